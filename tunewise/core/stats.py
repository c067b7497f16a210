"""Paired statistics on the same test examples: is one method really better than another, or is it a tie?

Two methods scored on the same examples are compared example by example, which is far more sensitive than
comparing two independent confidence intervals. Right/wrong metrics (accuracy, exact match) use McNemar's exact
test on the examples where the two disagree; any other metric uses a paired bootstrap of the difference. A
difference whose (Holm-adjusted) p-value is not below alpha is a tie, never a win.

Also here: how far two raters agree beyond chance (Cohen's kappa), for checking an LLM judge against people.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass
class PairedTest:
    a: str
    b: str
    difference: float  # metric(a) - metric(b)
    low: float  # 95% paired-bootstrap interval of the difference
    high: float
    p_value: float
    test: str  # "McNemar exact" | "paired bootstrap"
    adjusted_p: float | None = None

    def significant(self, alpha: float) -> bool:
        return (self.adjusted_p if self.adjusted_p is not None else self.p_value) < alpha


def mcnemar_exact(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> tuple[int, int, float]:
    """Counts of (a right, b wrong) and (a wrong, b right), and the exact two-sided binomial p-value."""
    a, b = np.asarray(a_correct, bool), np.asarray(b_correct, bool)
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    n = only_a + only_b
    if n == 0:
        return only_a, only_b, 1.0
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2**n
    return only_a, only_b, min(1.0, 2 * tail)


def paired_bootstrap(
    metric: Callable[[np.ndarray], float], n: int, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float, float]:
    """``metric(indices)`` gives the difference a - b on those examples. Returns the observed difference, its
    95% interval and a two-sided p-value (how often the resampled difference falls on the other side of 0)."""
    observed = metric(np.arange(n))
    rng = np.random.default_rng(seed)
    samples = np.array([metric(idx) for idx in rng.integers(0, n, size=(resamples, n))])
    low, high = np.percentile(samples, [2.5, 97.5])
    p = 2 * min(np.mean(samples <= 0), np.mean(samples >= 0))
    return float(observed), float(low), float(high), float(min(1.0, p))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (for comparing the leader against every other method at once)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def examples_needed(a_correct: Sequence[bool], b_correct: Sequence[bool], alpha=0.05, power=0.8) -> int | None:
    """Test examples needed for McNemar's test to detect the observed difference with the given power, if the
    observed rates of disagreement are the true ones (Connor, 1987). None when the two never disagree or
    disagree evenly (no difference to detect)."""
    a, b = np.asarray(a_correct, bool), np.asarray(b_correct, bool)
    p10, p01 = float(np.mean(a & ~b)), float(np.mean(~a & b))
    discordant, delta = p10 + p01, abs(p10 - p01)
    if delta == 0:
        return None
    z_alpha, z_power = NormalDist().inv_cdf(1 - alpha / 2), NormalDist().inv_cdf(power)
    n = (z_alpha * math.sqrt(discordant) + z_power * math.sqrt(discordant - delta**2)) ** 2 / delta**2
    return math.ceil(n)


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson, 1927). Unlike the normal approximation or a percentile
    bootstrap it stays inside [0, 1] and does not shrink to a point at 0 or n successes, so 10 wins in 10 still
    reads as uncertain. ``successes`` may be fractional (half-counted ties): the interval then assumes the
    Bernoulli variance, the largest any score in [0, 1] with that mean can have, so it errs wide."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two raters' categories for the same items: (observed agreement - chance agreement) /
    (1 - chance agreement), chance from each rater's own category frequencies (Cohen, 1960). 1 is perfect
    agreement, 0 what independent raters with those frequencies would reach. When chance agreement is already
    1 (both raters always gave the same one category) there is nothing to agree on beyond chance: 0, the
    conservative reading, rather than a 0/0 that would pass for trust."""
    if len(a) != len(b):
        raise ValueError(f"kappa needs the same items from both raters, got {len(a)} and {len(b)}")
    if not a:
        return 0.0
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    counts_a, counts_b = Counter(a), Counter(b)
    chance = sum(counts_a[c] * counts_b[c] for c in counts_a) / (n * n)
    if chance >= 1.0:
        return 0.0
    return (observed - chance) / (1 - chance)


def kappa_interval(
    a: Sequence[str], b: Sequence[str], resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of Cohen's kappa, resampling the rated items with replacement."""
    n = len(a)
    if n == 0:
        return 0.0, 0.0
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    rng = np.random.default_rng(seed)
    values = [cohen_kappa(list(a[idx]), list(b[idx])) for idx in rng.integers(0, n, size=(resamples, n))]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)
