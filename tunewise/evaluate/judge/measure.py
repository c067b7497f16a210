"""The judge as a measurement of each method: its test answers scored pointwise, reported as the metric
``judge_<rubric>`` (the mean score with a 95% bootstrap interval over the judged examples) beside the task's own
metrics, and a record of how (the judge, the prompt template, each example's exact prompt and raw verdict).

The same first test examples are judged for every method, so the scores compare. The judge model is loaded on
first use; what it reads and writes is recorded with the judgments: it measures a method, it does not build it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from tunewise.core.backend import Backend
from tunewise.core.results import Prediction, Score
from tunewise.evaluate.bootstrap import mean_interval
from tunewise.evaluate.judge.config import JudgeConfig
from tunewise.evaluate.judge.judge import Judge
from tunewise.evaluate.judge.prompts import pointwise_template

MAX_STORED = 100  # examples whose prompt and verdict the run keeps (each holds the whole prompt)


class Judging:
    def __init__(self, config: JudgeConfig, model: Callable[[], Backend], seed: int = 0):
        """``model``: loads the judge's model (the experiment's pool does it once, on first use)."""
        self.config, self.model, self.seed = config, model, seed
        self._judge: Judge | None = None

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = Judge(self.model(), self.config.rubric)
        return self._judge

    def measure(self, predictions: list[Prediction], desc: str) -> tuple[str, Score | None, dict]:
        """(metric name, its score or None when no verdict could be read, the record of the judgments)."""
        judge, judged = self.judge, predictions[: self.config.max_examples]
        before = judge.backend.work.copy()
        verdicts = judge.pointwise(
            [p.input for p in judged], [p.prediction for p in judged], [p.target for p in judged], f"{desc}: judge"
        )
        scores = [v.score for v in verdicts if v.score is not None]
        score = Score(statistics.fmean(scores), *mean_interval(scores, seed=self.seed)) if scores else None
        record = (
            judge.describe()
            | {
                "metric": judge.rubric.metric,
                "rubric_text": judge.rubric.instruction,
                "template": pointwise_template(judge.rubric, judge.scale),
                "examples": len(judged),
                "unparsed": len(judged) - len(scores),  # replies that named no score: left out of the mean
                "work": judge.backend.work.since(before).as_dict(),
                "verdicts": [{"position": i} | v.as_dict() for i, v in enumerate(verdicts[:MAX_STORED])],
            }
        )
        return judge.rubric.metric, score, record
