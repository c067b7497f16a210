"""The experiment's `data:` section: where the examples come from and how they are split."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# The data quality report's checks (tunewise/data/quality.py), named here so data.acknowledge can be validated.
QualityCheck = Literal[
    "duplicates",
    "conflicting_answers",
    "near_duplicates",
    "leakage",
    "imbalance",
    "similar_labels",
    "too_long",
    "encoding",
    "personal_data",
]


@dataclass
class SplitSizes:
    train: int | None = field(default=None, metadata={"help": "at most this many training examples"})
    validation: int | None = field(default=None, metadata={"help": "at most this many validation examples"})
    test: int | None = field(default=None, metadata={"help": "at most this many test examples"})

    def __post_init__(self):
        for name in ("train", "validation", "test"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} limit must be at least 1, got {value}")


@dataclass
class SplitFiles:
    train: str = field(metadata={"help": "training examples file"})
    test: str = field(metadata={"help": "held-out test examples file"})
    validation: str | None = field(
        default=None,
        metadata={"help": "validation examples file; if omitted, validation_fraction of train is carved (stratified)"},
    )


@dataclass
class DataConfig:
    dataset: str | None = field(default=None, metadata={"help": "catalog dataset name, e.g. rotten_tomatoes"})
    path: str | None = field(
        default=None,
        metadata={"help": "a .jsonl, .csv or .parquet file, or a folder of .txt/.md pieces (fields text, file)"},
    )
    splits: SplitFiles | None = field(default=None, metadata={"help": "your own train/validation/test files"})
    validation_fraction: float = field(
        default=0.15, metadata={"help": "share of examples for validation (of train, when splits has no validation)"}
    )
    test_fraction: float = field(default=0.25, metadata={"help": "share of examples for test"})
    limit: SplitSizes = field(default_factory=SplitSizes, metadata={"help": "subset sizes per split"})
    redact: bool = field(
        default=False, metadata={"help": "replace personal data (e-mail, phone, card, IBAN, IP, SSN/NHS) by <TYPE>"}
    )
    acknowledge: list[QualityCheck] = field(
        default_factory=list, metadata={"help": "data-quality warnings you have seen and accept"}
    )
    normalize_labels: bool = field(
        default=False,
        metadata={
            "help": "merge labels that differ only in case, Unicode form, invisible characters or number format "
            "(NFC, zero-width removed, '1.0' -> '1', lowercase unless task.labels spells it)"
        },
    )

    def __post_init__(self):
        given = [k for k in ("dataset", "path", "splits") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of dataset, path or splits (got {', '.join(given) or 'none'})")
        fractions = (self.validation_fraction, self.test_fraction)
        if not all(0 < f < 1 for f in fractions) or sum(fractions) >= 1:
            raise ValueError("validation_fraction and test_fraction must be in (0, 1) and sum to less than 1")
