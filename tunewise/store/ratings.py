"""Blind A/B ratings of two runs' answers, as the rater saw them (which answer was on the left)."""

from __future__ import annotations

from sqlalchemy import select

from tunewise.store.schema import Rating

CHOICES = ("left", "right", "tie", "both_bad")


class Ratings:
    def __init__(self, store):
        self.store = store

    def add(self, **fields) -> int:
        if fields.get("choice") not in CHOICES:
            raise ValueError(f"choice must be one of {', '.join(CHOICES)}, got {fields.get('choice')!r}")
        with self.store._write() as s:
            rating = Rating(**fields)
            s.add(rating)
            s.flush()
            return rating.id

    def of(self, experiment: str) -> list[Rating]:
        with self.store._read() as s:
            query = select(Rating).where(Rating.experiment == experiment).order_by(Rating.id)
            return s.scalars(query).all()
