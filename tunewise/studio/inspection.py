"""A first look at an uploaded file, for a form that asks no one to know the data's layout: its fields, a preview,
which field is probably the input and which the answer, and whether the answers look like labels or free text.
These are suggestions the person edits; the experiment's own checks decide what runs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.data.examples import iter_examples

PREVIEW_ROWS = 10
PREVIEW_CHARS = 200  # a cell is cut for display past this
MAX_COUNTED = 1000  # distinct values counted per field; past this a field is free text and its counts are dropped
TARGET_NAMES = ("label", "target", "answer", "output", "category", "class", "sentiment")  # in order of preference
MAX_CLASSES = 20  # more distinct answers than this read as free text
MAX_CLASS_CHARS = 50  # a longer answer is a sentence, not a class name


@dataclass
class FieldStats:
    texts: int = 0  # values that are text (not numbers, nulls or nested records)
    chars: int = 0  # their total length
    nested: int = 0  # values that are records or lists (no task can use such a field)
    counts: Counter | None = field(default_factory=Counter)  # answer text -> count; None past MAX_COUNTED

    def add(self, value: object) -> None:
        if isinstance(value, dict | list):
            self.nested += 1
            return
        if isinstance(value, str):
            self.texts, self.chars = self.texts + 1, self.chars + len(value)
        text = answer_text(value)
        if self.counts is not None and text:
            self.counts[text] += 1
            if len(self.counts) > MAX_COUNTED:
                self.counts = None

    @property
    def mean_chars(self) -> float:
        return self.chars / self.texts if self.texts else 0.0

    @property
    def distinct(self) -> int:
        return len(self.counts) if self.counts is not None else MAX_COUNTED + 1


@dataclass
class Inspection:
    rows: int
    fields: list[str]  # every field any row has, in first-seen order
    preview: list[dict[str, str]]  # the first rows, each field as display text ("" when a row lacks it)
    suggested_input: str | None
    suggested_target: str | None
    task_type: str  # inferred for the target: classification or generation
    labels: dict[str, int]  # classification: label -> count, most common first
    stats: dict[str, FieldStats] = field(repr=False, default_factory=dict)

    def guess(self, target: str) -> tuple[str, dict[str, int]]:
        """(task type, labels with counts) for ``target``, for a form whose person picked another answer field."""
        return guess_task(self.stats.get(target))


def inspect_file(path: Path, target: str | None = None) -> Inspection:
    """Read the file once; ``target`` overrides the suggested answer field."""
    stats: dict[str, FieldStats] = {}
    preview, rows = [], 0
    for example in iter_examples(path):
        rows += 1
        for name, value in example.fields.items():
            stats.setdefault(name, FieldStats()).add(value)
        if len(preview) < PREVIEW_ROWS:
            preview.append(example.fields)
    fields = list(stats)
    suggested_input, suggested_target = suggest_fields(stats)
    task_type, labels = guess_task(stats.get(target or suggested_target))
    shown = [_shown_row(row, fields) for row in preview]
    return Inspection(rows, fields, shown, suggested_input, suggested_target, task_type, labels, stats)


def guess_task(stats: FieldStats | None) -> tuple[str, dict[str, int]]:
    """(task type, labels with counts, most common first) for an answer field."""
    if stats is None or stats.counts is None or stats.nested:
        return "generation", {}
    task_type = type_from_counts(stats.counts)
    return task_type, dict(stats.counts.most_common()) if task_type == "classification" else {}


def infer_task_type(values: Iterable[object]) -> str:
    """classification when the answers are a few short values that each repeat (class names), else generation."""
    return type_from_counts(Counter(text for value in values if (text := answer_text(value))))


def type_from_counts(counts: Counter) -> str:
    classes = (
        2 <= len(counts) <= MAX_CLASSES
        and all(len(text) <= MAX_CLASS_CHARS for text in counts)
        and min(counts.values()) >= 2  # a value seen once is more likely free text than a class
    )
    return "classification" if classes else "generation"


def suggest_fields(stats: dict[str, FieldStats]) -> tuple[str | None, str | None]:
    """(input, target): the answer field by its name when one is usual, the input the longest text besides it,
    and otherwise the target the field with the fewest distinct values."""
    usable = {name: s for name, s in stats.items() if not s.nested}
    named = next((n for wanted in TARGET_NAMES for n in usable if n.strip().lower() == wanted), None)
    texts = [n for n, s in usable.items() if s.texts and n != named]
    suggested_input = max(texts, key=lambda n: usable[n].mean_chars, default=None)  # the first of equals
    if named:
        return suggested_input, named
    others = [n for n in usable if n != suggested_input]
    # Fewest distinct values, but a field with one value (a constant) cannot be predicted: it comes last.
    target = min(others, key=lambda n: (usable[n].distinct < 2, usable[n].distinct), default=None)
    return suggested_input, target


def answer_text(value: object) -> str:
    """A value as the task reads an answer: text stripped, numbers as written, nothing for null."""
    return "" if value is None else (value if isinstance(value, str) else str(value)).strip()


def _shown_row(row: dict, fields: list[str]) -> dict[str, str]:
    return {name: _shown(row.get(name)) for name in fields}


def _shown(value: object) -> str:
    if value is None:
        text = ""
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
