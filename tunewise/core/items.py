"""Examples as every stage sees them once rendered: one input text and its expected answer, in three splits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One example ready for a model: the rendered input text and the expected answer."""

    input: str
    target: str
    origin: str  # "file:line", so predictions can be traced back to the user's data
    slice: str | None = None  # the value of the bias probe's column, when one is named


@dataclass
class Splits:
    train: list[Item]
    validation: list[Item]
    test: list[Item]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}

    def parts(self) -> dict[str, list[Item]]:
        return {"train": self.train, "validation": self.validation, "test": self.test}
