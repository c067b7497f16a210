"""The evaluation path handed to methods: ``FitContext.evaluate``/``predict`` bound to the task and seed, so a
method that scores candidates (prompt search, a teacher) uses exactly the code its result is measured by."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import Backend
from tunewise.core.budget import BudgetConfig
from tunewise.core.items import Item, Splits
from tunewise.evaluate.evaluate import evaluate, predict
from tunewise.tasks.task import Task


def fit_context(
    task: Task,
    splits: Splits,
    *,
    seed: int,
    budget: BudgetConfig,
    log_metric: Callable[[int, str, float], None] | None = None,
    checkpoint_dir: Path | None = None,
    resume_from: Path | None = None,
    models: Callable[[str], Backend] | None = None,
    spent_usd: Callable[[], float] | None = None,
) -> FitContext:
    def evaluate_items(adapted: Adapted, items: list[Item], *, desc: str = "", intervals: bool = True):
        return evaluate(adapted, task, items, desc=desc, intervals=intervals, seed=seed)

    def predict_items(adapted: Adapted, items: list[Item], *, desc: str = ""):
        return predict(adapted, task, items, desc=desc)

    return FitContext(
        seed=seed,
        budget=budget,
        evaluate=evaluate_items,
        predict=predict_items,
        log_metric=log_metric or (lambda step, name, value: None),
        validation=splits.validation,
        checkpoint_dir=checkpoint_dir,
        resume_from=resume_from,
        models=models,
        spent_usd=spent_usd or (lambda: 0.0),
    )
