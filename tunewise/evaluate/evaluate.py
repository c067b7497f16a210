"""The one evaluation path: any Adapted, any split -> predictions, metrics with confidence intervals, cost."""

from __future__ import annotations

import statistics
import time

from tunewise.core.adapted import Adapted
from tunewise.core.fitting import Cut
from tunewise.core.items import Item
from tunewise.core.results import Evaluation, Prediction, Score
from tunewise.evaluate.bootstrap import bootstrap_interval
from tunewise.evaluate.predict import PREDICTORS, answer_reserve
from tunewise.tasks.metrics import Metric
from tunewise.tasks.task import Task


def evaluate(
    adapted: Adapted, task: Task, items: list[Item], *, desc: str = "", intervals: bool = True, seed: int = 0
) -> Evaluation:
    started = time.perf_counter()  # rendering the prompt is part of serving a request
    prompts, cuts = fitted_prompts(adapted, task, items)
    work_before = adapted.backend.work.copy()
    predictions = PREDICTORS[task.type](adapted, task, items, prompts, desc)
    billed = adapted.backend.work.since(work_before)
    seconds = time.perf_counter() - started
    guesses, targets = [p.prediction for p in predictions], [p.target for p in predictions]
    metrics = {}
    for metric in task.scoring_metrics():
        value = metric.compute(guesses, targets, task.labels)
        low, high = bootstrap_interval(metric, guesses, targets, task.labels, seed=seed) if intervals else (value,) * 2
        metrics[metric.name] = Score(value, low, high)
        if metric.name in task.fitted:
            keep_scores(predictions, metric)
    count = adapted.backend.count_tokens
    prompt_tokens = statistics.fmean(count(prompt) for prompt in prompts)
    completion_tokens = statistics.fmean(count(p.detail.get("raw", p.prediction)) for p in predictions)
    # Counted work per request, which prices it: the prompt and every label scored after it, or the prompt and
    # the tokens generated (a classification answer is scored, never generated).
    # A model billed per token is priced by what the server billed: e.g. every label's request in full.
    if adapted.backend.bills_tokens:
        read, generated = billed.read_tokens / max(len(items), 1), billed.generated_tokens / max(len(items), 1)
    elif task.is_classification:
        scored = sum(count(adapted.program.answer_for(label)) for label in task.labels)
        read, generated = prompt_tokens + scored, 0.0
    else:
        read, generated = prompt_tokens, completion_tokens
    return Evaluation(
        predictions=predictions,
        metrics=metrics,
        primary=task.metric,
        seconds=seconds,
        prompt_tokens=prompt_tokens,
        cost={
            "seconds_per_example": seconds / max(len(items), 1),
            "prompt_tokens_per_request": prompt_tokens,
            "completion_tokens_per_request": completion_tokens,
            "read_tokens_per_request": read,
            "generated_tokens_per_request": generated,
        },
        cut=cut_summary(cuts),
    )


def keep_scores(predictions: list[Prediction], metric: Metric) -> None:
    """Store a fitted metric's per-example scores with the predictions: only this task's fitted metric can
    compute them, so the decision's paired tests, run later from the store, read them back from there."""
    for p in predictions:
        p.detail.setdefault("scores", {})[metric.name] = round(metric.scores(p.prediction, p.target), 6)


def predict(adapted: Adapted, task: Task, items: list[Item], desc: str = "") -> list[Prediction]:
    """Answers only, no metrics: for inputs without a known answer (e.g. a teacher labelling data)."""
    return PREDICTORS[task.type](adapted, task, items, fitted_prompts(adapted, task, items)[0], desc)


def validation_score(adapted: Adapted, task: Task, items: list[Item]) -> float:
    """The primary metric on ``items`` without intervals (what ``FitContext.validate`` computes for methods)."""
    return evaluate(adapted, task, items, desc="validating", intervals=False).score


def fitted_prompts(adapted: Adapted, task: Task, items: list[Item]) -> tuple[list[str], list[Cut]]:
    """Each item's prompt, fitted to the model's context with room left for the longest possible answer."""
    reserve = answer_reserve(adapted, task)
    fitted = [adapted.fit_prompt(item.input, reserve) for item in items]
    return [prompt for prompt, _ in fitted], [cut for _, cut in fitted]


def cut_summary(cuts: list[Cut]) -> dict:
    """How many prompts were too long for the context, and what they lost (empty when none was)."""
    cut = [c for c in cuts if c]
    if not cut:
        return {}
    return {
        "prompts": len(cut),
        "of": len(cuts),
        "demos_dropped": sum(c.demos_dropped for c in cut),
        "input_chars_cut": sum(c.input_chars_cut for c in cut),
        "overflow": sum(c.overflow for c in cut),
    }
