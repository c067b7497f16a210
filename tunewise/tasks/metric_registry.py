"""The metric registry: a metric is a function of (predictions, targets, labels) -> float, registered by name.
Kept apart from the metrics themselves so several modules can register into it without import cycles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tunewise.core.errors import TunewiseError
from tunewise.core.registry import Registry


@dataclass(frozen=True)
class Metric:
    name: str
    task_types: tuple[str, ...]
    compute: Callable[[Sequence[str], Sequence[str], Sequence[str] | None], float]
    # Whether one prediction is right; set for metrics that are the mean of it (paired McNemar tests apply).
    example: Callable[[str, str], bool] | None = None
    # One prediction's score in [0, 1], for metrics that are its mean (intervals and paired tests resample it).
    scores: Callable[[str, str], float] | None = None
    default: bool = True  # computed for every task of its types; others only when the task names them
    # A metric learned from the task's training answers (the style score's authorship classifier): called with
    # them once the splits are prepared (``Task.fit_metrics``), it returns the metric to score with. The registry
    # holds the unfitted one, whose per-example scores evaluation stores with the predictions for later readers.
    fit: Callable[[Sequence[str]], Metric] | None = None

    @property
    def per_example(self) -> bool:
        return self.example is not None


METRICS: Registry[Metric] = Registry("metric")


def metric(name: str, *task_types: str):
    def register(function):
        METRICS.register(name, Metric(name, task_types, function))
        return function

    return register


def example_metric(name: str, *task_types: str):
    """Register ``function(prediction, target) -> bool``; the metric is its mean over the examples."""

    def register(function):
        METRICS.register(name, Metric(name, task_types, _mean_of(function), function))
        return function

    return register


def graded_metric(name: str, *task_types: str):
    """Register ``function(prediction, target) -> float in [0, 1]``; the metric is its mean over the examples. It
    is computed when a task names it (``task.metric`` or ``task.metrics``)."""

    def register(function):
        METRICS.register(name, Metric(name, task_types, _mean_of(function), scores=function, default=False))
        return function

    return register


def fitted_metric(name: str, *task_types: str):
    """Register ``build(training_targets) -> score(prediction, target) -> float in [0, 1]``: a graded metric that
    first learns from the training split's answers, never the test split's. Computed when a task names it."""

    def register(build):
        def fit(targets: Sequence[str]) -> Metric:
            score = build(targets)
            return Metric(name, task_types, _mean_of(score), scores=score, default=False)

        METRICS.register(name, Metric(name, task_types, _unfitted(name), default=False, fit=fit))
        return build

    return register


def _unfitted(name: str):
    def compute(predictions, targets, labels=None) -> float:
        raise TunewiseError(
            f"metric {name!r} learns from the training split; it is scored through a prepared task "
            "(Task.fit_metrics), or read back from the per-example scores stored with the predictions"
        )

    return compute


def _mean_of(function: Callable[[str, str], float]):
    """The metric that is ``function(prediction, target)``'s mean over the examples (0 for none)."""

    def mean(predictions, targets, labels=None) -> float:
        pairs = list(zip(predictions, targets, strict=True))
        return float(np.mean([function(p, t) for p, t in pairs])) if pairs else 0.0

    return mean
