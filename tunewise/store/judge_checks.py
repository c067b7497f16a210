"""Checks of an LLM judge against the blind human ratings, kept so the comparison can cite the latest one."""

from __future__ import annotations

from sqlalchemy import select

from tunewise.store.schema import JudgeCheck


class JudgeChecks:
    def __init__(self, store):
        self.store = store

    def add(self, experiment: str, model: str, rubric: str, result: dict) -> int:
        with self.store._write() as s:
            check = JudgeCheck(experiment=experiment, model=model, rubric=rubric, result=result)
            s.add(check)
            s.flush()
            return check.id

    def latest(self, experiment: str) -> JudgeCheck | None:
        with self.store._read() as s:
            query = select(JudgeCheck).where(JudgeCheck.experiment == experiment).order_by(JudgeCheck.id.desc())
            return s.scalars(query).first()
