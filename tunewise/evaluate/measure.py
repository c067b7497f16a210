"""Everything measured about an adapted model once it is built, in one call: the test metrics with intervals,
latency, prompt stability, forgetting, the bias probe and, when the experiment has one, the LLM judge's scores.
Every method goes through exactly this."""

from __future__ import annotations

from tunewise.core.adapted import Adapted
from tunewise.core.backend import Backend
from tunewise.core.items import Item
from tunewise.core.record import Measurements
from tunewise.core.results import Evaluation
from tunewise.evaluate.bias import bias_probe
from tunewise.evaluate.config import BiasConfig, ForgettingConfig, StabilityConfig
from tunewise.evaluate.evaluate import evaluate
from tunewise.evaluate.forgetting import forgetting, general_text, perplexity
from tunewise.evaluate.judge.measure import Judging
from tunewise.evaluate.latency import request_latency
from tunewise.evaluate.stability import prompt_stability
from tunewise.tasks.task import Task


class Measurer:
    """Measures adapted models on one test split; the base model's general-text perplexity (the forgetting
    baseline) is computed once per base model, the first time a model tuned from it needs it."""

    def __init__(
        self,
        task: Task,
        test: list[Item],
        *,
        stability: StabilityConfig,
        forgetting: ForgettingConfig,
        bias: BiasConfig,
        seed: int,
        base: Backend,
        judging: Judging | None = None,
    ):
        self.task, self.test, self.seed, self.base = task, test, seed, base
        self.stability, self.forgetting, self.bias, self.judging = stability, forgetting, bias, judging
        self._general: dict[int, tuple[list[str], float]] = {}  # id(base) -> texts, perplexity

    def measure(self, adapted: Adapted, desc: str, base: Backend | None = None) -> tuple[Evaluation, Measurements]:
        """``base``: the model ``adapted`` was tuned from (default: the experiment's)."""
        result = evaluate(adapted, self.task, self.test, desc=f"{desc}: test", seed=self.seed)
        result.cost.update(request_latency(adapted, self.task, self.test))
        measured = Measurements(
            stability=prompt_stability(adapted, self.task, self.test, self.stability, self.seed),
            forgetting=self._forgetting(adapted, base or self.base),
            bias=bias_probe(self.bias, self.task, self.test, result.predictions, self.seed),
            context_cut=result.cut or None,
            judge=self._judge(result, desc),
        )
        return result, measured

    def _judge(self, result: Evaluation, desc: str) -> dict | None:
        """The judge's record; its score joins the test metrics (None: no judge, or no verdict was readable)."""
        if self.judging is None:
            return None
        metric, score, record = self.judging.measure(result.predictions, desc)
        if score is not None:
            result.metrics[metric] = score
        return record

    def _forgetting(self, adapted: Adapted, base: Backend) -> dict | None:
        """The tuned model's forgetting score against its own base; None when it learned nothing or the check is
        off."""
        count = self.forgetting.texts
        if not adapted.trainable_params or not count:
            return None
        if id(base) not in self._general:
            texts = general_text(count, self.seed)
            self._general[id(base)] = texts, perplexity(base, texts, desc="base model: general text")[0]
        texts, before = self._general[id(base)]
        return forgetting(before, adapted, texts)
