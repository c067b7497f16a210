"""Everything that can fail on the user's input, done before any model is loaded: the task, the splits (with
personal data redacted when asked), and every method's own check of its settings against them."""

from __future__ import annotations

import dataclasses

from tunewise.core.errors import TunewiseError
from tunewise.data.privacy import privacy_report
from tunewise.methods import METHODS
from tunewise.run.config import ExperimentConfig
from tunewise.tasks.prepare import PreparedSplits, prepare_splits
from tunewise.tasks.task import Task


def prepare(config: ExperimentConfig) -> tuple[Task, PreparedSplits]:
    if config.task.type != "classification" and config.task.max_new_tokens >= config.model.max_length:
        raise TunewiseError(
            f"task.max_new_tokens ({config.task.max_new_tokens}) leaves no room for a prompt in model.max_length "
            f"({config.model.max_length}); lower it or raise model.max_length"
        )
    task = Task.from_config(config.task)
    task.slice_field = config.bias.column
    splits = prepare_splits(config.data, task, config.seed)
    task.privacy = privacy_report(splits.parts())
    if config.data.redact:  # from here on no method, store row, artifact or log sees the raw values
        task.redact = True
        redacted = {name: [task.redacted(item) for item in part] for name, part in splits.parts().items()}
        splits = dataclasses.replace(splits, **redacted)
    for name, items in splits.parts().items():
        if not items:
            raise TunewiseError(f"the {name} split is empty; add examples or change data.limit / fractions")
    # Metrics that learn from answers (the style score's classifier) learn the training split's, as methods see it.
    task.fit_metrics([item.target for item in splits.train])
    for entry in config.entries:
        try:
            METHODS.get(entry.method).check(entry.params, task, splits)
        except TunewiseError as exc:
            raise TunewiseError(f"methods[{entry.id}]: {exc}") from None
    return task, splits
