"""What the ratings bought on the task: the start and the tuned model answer the same test examples, and
McNemar's exact test on the examples where they disagree says whether the difference is real. This measures the
method, it does not build it: its work and time are reported so the runner keeps them out of the build cost."""

from __future__ import annotations

import time

from tunewise.core.backend import Work
from tunewise.core.results import Evaluation
from tunewise.core.stats import mcnemar_exact


def paired_gain(start: Evaluation, tuned: Evaluation) -> dict:
    _, _, p_value = mcnemar_exact([p.correct for p in tuned.predictions], [p.correct for p in start.predictions])
    return {
        "metric": tuned.primary,
        "start": start.score,
        "tuned": tuned.score,
        "gain": tuned.score - start.score,
        "p_value": p_value,
    }


class Measuring:
    """Counts the model work and seconds spent inside ``with measuring:`` blocks (any number of them)."""

    def __init__(self, work: Work):
        self.shared, self.work, self.seconds = work, Work(), 0.0

    def __enter__(self):
        self._work, self._started = self.shared.copy(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        used = self.shared.since(self._work)
        self.work = Work(self.work.read_tokens + used.read_tokens, self.work.generated_tokens + used.generated_tokens)
        self.seconds += time.perf_counter() - self._started
