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
    predictions, targets = np.asarray(predictions, dtype=object), np.asarray(targets, dtype=object)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))
    if metric.scores is not None:  # a mean of per-example scores: resample the scores, computed once
        scores = np.array([metric.scores(p, t) for p, t in zip(predictions, targets, strict=True)])
        values = scores[draws].mean(axis=1)
    else:
        values = [metric.compute(list(predictions[idx]), list(targets[idx]), labels) for idx in draws]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
