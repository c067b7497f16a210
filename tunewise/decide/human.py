"""Blind human A/B ratings as evidence beside the metric: per method, how often people preferred its answer (with a
95% interval), and a Bradley–Terry ranking of the methods from every pairwise judgment.

Ratings count under the method id of the runs the rater saw, whether or not those runs are still the experiment's
latest completed ones: methods get re-run (another seed, a fixed bug) and the method id is what the leaderboard
shows, so a judgment of an earlier lora run still counts for lora. Ratings never change the recommendation (the
metric decides); the reasons cite them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from tunewise.core.stats import wilson_interval
from tunewise.store.schema import Rating

TIES = ("tie", "both_bad")  # neither answer preferred: half a win each way
# One virtual tie between every pair of methods (half a win each way): a method that never lost would otherwise
# have its maximum-likelihood strength run off to infinity, and methods never compared with each other would have
# no common scale. It weighs like one real comparison per pair, so it fades as ratings accumulate.
PRIOR_TIES = 1.0
MAX_ITERATIONS, TOLERANCE = 10_000, 1e-12


@dataclass
class MethodPreference:
    method_id: str
    comparisons: int
    wins: int
    losses: int
    ties: int  # "tie" and "both_bad" together
    both_bad: int  # of the ties, those where the rater found both answers bad
    win_rate: float  # (wins + ties / 2) / comparisons
    low: float  # 95% Wilson interval of the win rate
    high: float
    strength: float  # Bradley–Terry strength; the methods' strengths sum to 1
    rank: int  # 1 = the strongest


@dataclass
class HumanRatings:
    methods: list[MethodPreference]  # in Bradley–Terry rank order
    ratings: int  # judgments between two different methods
    raters: int

    @classmethod
    def from_ratings(cls, ratings: Iterable[Rating]) -> HumanRatings | None:
        """None without a single judgment between two different methods (a method rated against itself, e.g.
        two of its runs, says nothing about which method people prefer)."""
        between = [r for r in first_votes(ratings) if r.left_method != r.right_method]
        if not between:
            return None
        both_sides = [outcome for r in between for outcome in outcomes(r)]
        strengths = bradley_terry(both_sides)
        rows = [_preference(method, scores, strengths[method]) for method, scores in _by_method(both_sides).items()]
        rows.sort(key=lambda row: (-row.strength, -row.win_rate, row.method_id))
        for rank, row in enumerate(rows, start=1):
            row.rank = rank
        return cls(rows, len(between), len({r.rater for r in between}))

    @property
    def best(self) -> MethodPreference:
        return self.methods[0]

    def of(self, method_id: str) -> MethodPreference | None:
        return next((row for row in self.methods if row.method_id == method_id), None)

    def as_dict(self) -> dict:
        return {"ratings": self.ratings, "raters": self.raters, "methods": [asdict(row) for row in self.methods]}


def first_votes(ratings: Iterable[Rating]) -> list[Rating]:
    """Each rater's first judgment of a test position and pair of methods. The studio refuses a second vote on
    the same pair, but two sent at the same instant can both land; counting both would weigh one opinion twice."""
    seen, kept = set(), []
    for r in ratings:  # in the store's order, oldest first
        key = (r.rater, r.position, frozenset((r.left_method, r.right_method)))
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept


def outcomes(rating: Rating) -> list[tuple[str, str, float, str]]:
    """(method, opponent, its score: 1 won, 0.5 tied, 0 lost, the rater's choice), once from each side."""
    left_score = {"left": 1.0, "right": 0.0}.get(rating.choice, 0.5)
    return [
        (rating.left_method, rating.right_method, left_score, rating.choice),
        (rating.right_method, rating.left_method, 1.0 - left_score, rating.choice),
    ]


def _by_method(both_sides: list[tuple[str, str, float, str]]) -> dict[str, list[tuple[float, str]]]:
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for method, _, score, choice in both_sides:
        found[method].append((score, choice))
    return found


def _preference(method_id: str, scores: list[tuple[float, str]], strength: float) -> MethodPreference:
    counts = Counter(choice for _, choice in scores)
    ties = sum(counts[choice] for choice in TIES)
    wins = sum(1 for score, _ in scores if score == 1.0)
    n, points = len(scores), sum(score for score, _ in scores)
    low, high = wilson_interval(points, n)
    return MethodPreference(
        method_id, n, wins, n - wins - ties, ties, counts["both_bad"], points / n, low, high, strength, rank=0
    )


def bradley_terry(both_sides: list[tuple[str, str, float, str]], prior_ties: float = PRIOR_TIES) -> dict[str, float]:
    """Bradley–Terry strengths (P(i beats j) = p_i / (p_i + p_j)) by Hunter's (2004) MM algorithm,
    p_i <- W_i / sum_j n_ij / (p_i + p_j), with a tie counted as half a win each way and ``prior_ties`` virtual
    ties between every pair. ``both_sides``: every judgment from each side (``outcomes``); strengths are
    normalised to sum to 1."""
    methods = sorted({method for method, *_ in both_sides})
    index = {method: i for i, method in enumerate(methods)}
    k = len(methods)
    games = np.full((k, k), prior_ties) - np.eye(k) * prior_ties  # n_ij: comparisons between i and j
    wins = np.full(k, prior_ties * (k - 1) / 2)  # W_i: wins of i, ties and the prior's ties counting half
    for method, opponent, score, _ in both_sides:
        i, j = index[method], index[opponent]
        games[i, j] += 0.5  # each comparison is listed from both sides: half from each makes one
        games[j, i] += 0.5
        wins[i] += score
    strengths = np.full(k, 1.0 / k)
    for _ in range(MAX_ITERATIONS):
        pair_sums = strengths[:, None] + strengths[None, :]
        updated = wins / (games / pair_sums).sum(axis=1)
        updated /= updated.sum()
        converged = np.max(np.abs(updated - strengths)) < TOLERANCE
        strengths = updated
        if converged:
            break
    return {method: float(strengths[index[method]]) for method in methods}
