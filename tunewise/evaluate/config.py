"""What is measured besides the test metrics: prompt stability, forgetting and the bias probe."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StabilityConfig:
    variants: int = field(default=4, metadata={"help": "reworded prompts scored per method (0 turns this off)"})
    examples: int = field(default=60, metadata={"help": "test examples each rewording is scored on"})

    def __post_init__(self):
        if self.variants < 0 or self.examples < 1:
            raise ValueError(f"need variants >= 0 and examples >= 1, got {self.variants} and {self.examples}")


@dataclass
class ForgettingConfig:
    texts: int = field(
        default=200, metadata={"help": "general-text conversations scored before/after tuning (0 turns this off)"}
    )

    def __post_init__(self):
        if self.texts < 0:
            raise ValueError(f"texts must be 0 or more, got {self.texts}")


@dataclass
class BiasConfig:
    column: str | None = field(default=None, metadata={"help": "slice the test split by this data field"})
    terms: dict[str, list[str]] = field(
        default_factory=dict, metadata={"help": "slice name -> words; an input is in a slice if it has one of them"}
    )

    def __post_init__(self):
        if self.column and self.terms:
            raise ValueError("give bias.column or bias.terms, not both")
        empty = [name for name, words in self.terms.items() if not words]
        if empty:
            raise ValueError(f"bias.terms slices need at least one word (empty: {', '.join(empty)})")

    @property
    def enabled(self) -> bool:
        return bool(self.column or self.terms)
