"""Task metrics. Each is a function of (predictions, targets, labels) -> float, registered by name."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tunewise.registry import Registry


@dataclass(frozen=True)
class Metric:
    name: str
    task_types: tuple[str, ...]
    compute: Callable[[Sequence[str], Sequence[str], Sequence[str] | None], float]
    # The mean of a per-example right/wrong score, so paired right/wrong tests (McNemar) apply to it.
    per_example: bool = False


METRICS: Registry[Metric] = Registry("metric")


def metric(name: str, *task_types: str, per_example: bool = False):
    def register(function):
        METRICS.register(name, Metric(name, task_types, function, per_example))
        return function

    return register


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation, articles and extra spaces (the usual short-answer normalisation)."""
    text = text.lower().strip()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


@metric("accuracy", "classification", per_example=True)
def accuracy(predictions, targets, labels=None) -> float:
    return float(np.mean([p == t for p, t in zip(predictions, targets, strict=True)])) if targets else 0.0


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


@metric("exact_match", "generation", per_example=True)
def exact_match(predictions, targets, labels=None) -> float:
    matches = [normalize_answer(p) == normalize_answer(t) for p, t in zip(predictions, targets, strict=True)]
    return float(np.mean(matches)) if matches else 0.0


def metrics_for(task_type: str) -> list[Metric]:
    return [METRICS.get(name) for name in METRICS.names() if task_type in METRICS.get(name).task_types]
