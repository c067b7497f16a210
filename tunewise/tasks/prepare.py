"""From the experiment's data section and task to validated train/validation/test items.

What is read: every example of every file is rendered and checked, unless the file is at least
``STREAM_FROM_BYTES`` and ``data.limit`` bounds every split drawn from it. Such a file is read once, line by
line, and never held: every line is still parsed (malformed JSON or CSV, duplicate keys, NaN, bad bytes are
reported wherever they are) and every answer still checked (missing, empty, overlong and unknown labels; labels
are inferred from every line), but only a seeded, label-stratified sample of the size the limits need is kept
and rendered, so an input field that is missing or too long on a line outside the sample is not seen. The
same seed picks the same sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.errors import InputError
from tunewise.core.items import Item, Splits
from tunewise.data.catalog import DATASETS
from tunewise.data.config import DataConfig, SplitSizes
from tunewise.data.examples import Example, iter_examples, load_examples
from tunewise.data.split import sample_stream, split_examples, subsample
from tunewise.tasks.task import MAX_INFERRED_LABELS, Task

STREAM_FROM_BYTES = 32 * 2**20  # smaller files are read whole, so every example in them is checked
SAMPLE_MARGIN = 50  # extra examples per split sampled, for the per-label rounding of the split that follows


@dataclass
class CarvedValidation:
    """The validation split taken from the training file (``data.splits`` without ``validation``)."""

    source: str
    fraction: float
    origins: list[str]  # "file:line" of every validation example

    def message(self) -> str:
        name = Path(self.source).name
        return f"validation: carved {self.fraction:.0%} ({len(self.origins)} examples) from {name}"


@dataclass
class PreparedSplits(Splits):
    carved: CarvedValidation | None = None


def prepare_splits(data: DataConfig, task: Task, seed: int) -> PreparedSplits:
    """Load, validate (every example, before any work; a large file with limits: see above), split, subsample."""
    task.normalize_labels = data.normalize_labels
    stratify = task.is_classification
    if data.splits:
        splits = _from_files(data, task, seed, stratify)
    else:
        path = DATASETS.get(data.dataset).fetch() if data.dataset else data.path
        val, test = data.validation_fraction, data.test_fraction
        needed = _needed(data.limit, {"train": 1 - val - test, "validation": val, "test": test})
        items = _read(path, task, needed, seed)
        splits = split_examples(items, val, test, seed, stratify)
    limit = data.limit
    prepared = PreparedSplits(
        train=subsample(splits.train, limit.train, seed, stratify),
        validation=subsample(splits.validation, limit.validation, seed + 1, stratify),
        test=subsample(splits.test, limit.test, seed + 2, stratify),
    )
    if data.splits and data.splits.validation is None:
        origins = [item.origin for item in prepared.validation]
        prepared.carved = CarvedValidation(data.splits.train, data.validation_fraction, origins)
    return prepared


def _from_files(data: DataConfig, task: Task, seed: int, stratify: bool) -> Splits:
    files, limit = data.splits, data.limit
    # Train first: labels are inferred from the training file only, so an unseen test label is reported.
    if files.validation is None:
        val = data.validation_fraction
        train = _read(files.train, task, _needed(limit, {"train": 1 - val, "validation": val}), seed)
        carved = split_examples(train, val, 0.0, seed, stratify)
        return Splits(carved.train, carved.validation, _read(files.test, task, limit.test, seed + 2))
    train = _read(files.train, task, limit.train, seed)
    validation = _read(files.validation, task, limit.validation, seed + 1)
    return Splits(train, validation, _read(files.test, task, limit.test, seed + 2))


def _needed(limit: SplitSizes, fractions: dict[str, float]) -> int | None:
    """How many examples of a file give every split its limit once split; None if a split has no limit."""
    sizes = {name: getattr(limit, name) for name in fractions}
    if None in sizes.values():
        return None
    return max(math.ceil((n + SAMPLE_MARGIN) / fractions[name]) for name, n in sizes.items())


def _read(path, task: Task, needed: int | None, seed: int) -> list[Item]:
    if needed is None or not _large(Path(path)):
        return task.prepare(load_examples(path))
    return _sample(Path(path), task, needed, seed)


def _large(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size >= STREAM_FROM_BYTES
    except OSError:
        return False  # load_examples says what is wrong with it


def _sample(path: Path, task: Task, size: int, seed: int) -> list[Item]:
    found: set[str] = set()

    def label(example: Example) -> str:
        answer = task.answer(example)  # checked on every line; only the sample is kept
        if not task.is_classification:
            return ""
        task.check_label(example, answer)
        found.add(answer)
        if task.labels is None and len(found) > MAX_INFERRED_LABELS:
            task.infer_labels(found, str(path))  # raises: too many labels
        return answer

    examples, _ = sample_stream(iter_examples(path), size, seed, label)
    if not examples:
        raise InputError("the file holds no examples", file=str(path), fix="add examples or point at another file")
    if task.is_classification and task.labels is None:
        task.infer_labels(found, str(path))
    return task.prepare(examples)
