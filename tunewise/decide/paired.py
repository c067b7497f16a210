"""Every candidate against the leader, on the same test examples, with Holm's correction for the many tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunewise.core.stats import PairedTest, holm, mcnemar_exact, paired_bootstrap
from tunewise.decide.candidates import Candidate
from tunewise.tasks.metrics import METRICS


def paired_test(a: Candidate, b: Candidate, labels: Sequence[str] | None, seed: int = 0) -> PairedTest:
    metric = METRICS.get(a.metric)
    if metric.per_example:
        right_a, right_b = np.asarray(a.correct, float), np.asarray(b.correct, float)
        difference = lambda idx: right_a[idx].mean() - right_b[idx].mean()  # noqa: E731
    elif metric.scores is not None or metric.fit is not None:  # a mean of per-example scores: their paired gap
        gap = _scored(a, metric) - _scored(b, metric)
        difference = lambda idx: gap[idx].mean()  # noqa: E731
    else:
        guesses_a, guesses_b = np.asarray(a.guesses, object), np.asarray(b.guesses, object)
        targets = np.asarray(a.targets, object)

        def difference(idx):
            truth = list(targets[idx])
            return metric.compute(list(guesses_a[idx]), truth, labels) - metric.compute(
                list(guesses_b[idx]), truth, labels
            )

    observed, low, high, p_bootstrap = paired_bootstrap(difference, len(a.targets), seed=seed)
    _, _, p_mcnemar = mcnemar_exact(a.correct, b.correct)
    return PairedTest(
        a=a.method_id,
        b=b.method_id,
        difference=observed,
        low=low,
        high=high,
        p_value=p_mcnemar if metric.per_example else p_bootstrap,
        test="McNemar exact" if metric.per_example else "paired bootstrap",
    )


def _scored(c: Candidate, metric) -> np.ndarray:
    """Each example's score: stored with the predictions for a metric fitted on the training answers (only the
    run's task could compute it), else computed from the guess and the target."""
    if metric.name in c.example_scores:
        return np.asarray(c.example_scores[metric.name], dtype=float)
    return np.array([metric.scores(g, t) for g, t in zip(c.guesses, c.targets, strict=True)])


def against_leader(
    leader: Candidate, others: list[Candidate], labels: Sequence[str] | None, seed: int = 0
) -> dict[str, PairedTest]:
    tests = {other.method_id: paired_test(leader, other, labels, seed) for other in others}
    for test, adjusted in zip(tests.values(), holm([t.p_value for t in tests.values()]), strict=True):
        test.adjusted_p = adjusted
    return tests
