"""From the experiment's data section and task to validated train/validation/test items."""

from __future__ import annotations

from tunewise.core.items import Splits
from tunewise.data.catalog import DATASETS
from tunewise.data.config import DataConfig
from tunewise.data.examples import load_examples
from tunewise.data.split import split_examples, subsample
from tunewise.tasks.task import Task


def prepare_splits(data: DataConfig, task: Task, seed: int) -> Splits:
    """Load, validate (every example, before any work), split and subsample."""
    stratify = task.is_classification
    if data.splits:
        files = {name: load_examples(getattr(data.splits, name)) for name in ("train", "validation", "test")}
        # Labels are inferred from the training file only, so an unseen test label is reported as unknown.
        train = task.prepare(files["train"])
        splits = Splits(train, task.prepare(files["validation"]), task.prepare(files["test"]))
    else:
        path = DATASETS.get(data.dataset).fetch() if data.dataset else data.path
        items = task.prepare(load_examples(path))
        splits = split_examples(items, data.validation_fraction, data.test_fraction, seed, stratify)
    limit = data.limit
    return Splits(
        train=subsample(splits.train, limit.train, seed, stratify),
        validation=subsample(splits.validation, limit.validation, seed + 1, stratify),
        test=subsample(splits.test, limit.test, seed + 2, stratify),
    )
