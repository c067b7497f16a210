"""The reference row of every classification leaderboard: always answering the training split's majority label.

It needs no model, so a method that does not beat it has learned nothing usable about the inputs (on an
imbalanced label set raw zero-shot scoring easily lands below it). It is scored with the task's own metric and
bootstrap interval on the same test targets as the methods, and it is never a candidate: it is not tested,
ranked or recommended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tunewise.decide.candidates import Candidate
from tunewise.evaluate.bootstrap import bootstrap_interval
from tunewise.tasks.metrics import METRICS


@dataclass
class Reference:
    label: str
    metric: str
    value: float
    low: float
    high: float
    train_share: float  # the label's share of the training split

    @property
    def name(self) -> str:
        return f"always '{self.label}' (majority of train)"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "train_share": self.train_share,
            self.metric: {"value": self.value, "low": self.low, "high": self.high},
        }


def majority_reference(candidates: list[Candidate], labels: Sequence[str] | None, seed: int = 0) -> Reference | None:
    """The majority label's score on the test targets of the first candidate that knows its training label
    counts (give the candidates measured on the common test set); None for generation tasks and for runs stored
    before the counts were."""
    source = next((c for c in candidates if c.train_label_counts), None)
    if source is None or not source.targets:
        return None
    counts = source.train_label_counts
    label = max(counts, key=counts.get)  # of equally frequent labels, the first in the task's order
    metric = METRICS.get(source.metric)
    guesses = [label] * len(source.targets)
    value = metric.compute(guesses, source.targets, labels)
    low, high = bootstrap_interval(metric, guesses, source.targets, labels, seed=seed)
    return Reference(label, source.metric, float(value), low, high, counts[label] / sum(counts.values()))
