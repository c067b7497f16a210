"""trivia: the English short-answer trivia questions shipped in chatterbot-corpus."""

from __future__ import annotations

from pathlib import Path

import yaml

from tunewise.core.fetch import WheelFile
from tunewise.data.catalog import DATASETS, CatalogDataset


def _trivia(member: Path) -> list[dict]:
    """Question/answer pairs; the corpus has one malformed entry (a single string), which is left out."""
    conversations = yaml.safe_load(member.read_text(encoding="utf-8"))["conversations"]
    records, seen = [], set()
    for pair in conversations:
        if len(pair) == 2 and all(isinstance(part, str) and part.strip() for part in pair):
            question, answer = (" ".join(str(part).split()) for part in pair)
            if question not in seen:
                seen.add(question)
                records.append({"question": question, "answer": answer.rstrip(".")})
    return records


DATASETS.register(
    "trivia",
    CatalogDataset(
        name="trivia",
        description="short-answer English trivia questions (chatterbot-corpus)",
        source=WheelFile(
            requirement="chatterbot-corpus==1.3.3",
            wheel_sha256="86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154",
            member="chatterbot_corpus/data/english/trivia.yml",
        ),
        member_sha256="3a9de77e6d82803d1ea3eba48cf6543c884908f4c4f50501fed69f88112994dc",
        convert=_trivia,
        fields="question, answer",
    ),
)
