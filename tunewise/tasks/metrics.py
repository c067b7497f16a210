"""Task metrics. Each is a function of (predictions, targets, labels) -> float, registered by name."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

import numpy as np

from tunewise.tasks.metric_registry import METRICS, Metric, example_metric, graded_metric, metric
from tunewise.tasks.style_score import STYLE_METRICS
from tunewise.tasks.text_metrics import TEXT_METRICS, normalize_answer

__all__ = [
    "METRICS",
    "normalize_answer",
    "TEXT_METRICS",
    "STYLE_METRICS",
    "Metric",
    "example_metric",
    "graded_metric",
    "metric",
    "metrics_for",
]


@example_metric("accuracy", "classification")
def accuracy(prediction: str, target: str) -> bool:
    return prediction == target


@metric("macro_f1", "classification")
def macro_f1(predictions, targets, labels=None) -> float:
    """Mean F1 over labels; a label never predicted and never true is left out."""
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    scores = []
    for label in labels or sorted(set(targets) | set(predictions)):
        tp = np.sum((predictions == label) & (targets == label))
        fp = np.sum((predictions == label) & (targets != label))
        fn = np.sum((predictions != label) & (targets == label))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


@example_metric("exact_match", "generation")
def exact_match(prediction: str, target: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(target)


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


def last_number(text: str) -> float | None:
    """The last number written in ``text`` ("$1,234.50" -> 1234.5), or None."""
    found = NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


@example_metric("numeric_match", "generation")
def numeric_match(prediction: str, target: str) -> bool:
    """The last number in the answer equals the target number (to 1e-6, relative)."""
    got, want = last_number(prediction), last_number(target)
    return got is not None and want is not None and abs(got - want) <= 1e-6 * max(1.0, abs(want))


ENTRY_POINT_GROUP = "tunewise.metrics"


def installed_metric_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_installed_metric(name: str, task_type: str) -> Metric | None:
    """The metric an installed package registers under ``name`` in the ``tunewise.metrics`` entry-point group,
    or None. Only a metric an experiment names is imported; nothing is ever loaded from a file path.

    The entry point is a ``Metric``, or a function ``(predictions, targets, labels) -> float`` (optionally with
    an ``example(prediction, target) -> bool`` attribute, which enables paired McNemar tests)."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        return None
    loaded = found[0].load()
    if isinstance(loaded, Metric):
        metric = loaded
    elif callable(loaded):
        metric = Metric(name, (task_type,), loaded, getattr(loaded, "example", None))
    else:
        raise ValueError(f"entry point {name!r} ({found[0].value}) is neither a Metric nor a function")
    if name not in METRICS:
        METRICS.register(name, metric)
    return metric


def metrics_for(task_type: str, named: tuple[str, ...] = ()) -> list[Metric]:
    """The metrics a task reports: every default one of its type, and those it names."""
    return [
        METRICS.get(name)
        for name in METRICS.names()
        if task_type in METRICS.get(name).task_types and (METRICS.get(name).default or name in named)
    ]
