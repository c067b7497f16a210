"""Bootstrap confidence intervals for any metric over per-example predictions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunewise.tasks.metrics import Metric


def bootstrap_interval(
    metric: Metric,
    predictions: Sequence[str],
    targets: Sequence[str],
    labels: Sequence[str] | None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of ``metric`` over ``resamples`` resamplings of the examples with replacement."""
    n = len(targets)
    if n == 0:
        return (0.0, 0.0)
    if metric.scores is not None:  # a mean of per-example scores: resample the scores, computed once
        scores = [metric.scores(p, t) for p, t in zip(predictions, targets, strict=True)]
        return mean_interval(scores, resamples, confidence, seed)
    predictions, targets = np.asarray(predictions, dtype=object), np.asarray(targets, dtype=object)
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    values = [metric.compute(list(predictions[idx]), list(targets[idx]), labels) for idx in draws]
    return _percentiles(values, confidence)


def mean_interval(
    scores: Sequence[float], resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of the mean of per-example ``scores`` (a graded metric's, an LLM judge's)."""
    n = len(scores)
    if n == 0:
        return (0.0, 0.0)
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    return _percentiles(np.asarray(scores, dtype=float)[draws].mean(axis=1), confidence)


def _percentiles(values, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
