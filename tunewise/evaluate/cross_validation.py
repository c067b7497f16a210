"""k-fold cross-validation of a trained method on the training split: k extra trainings, each scored on the
fold it did not see (early stopping still uses the validation split), reported as mean ± std. It tells how
much a method's quality depends on which examples it happened to be trained on."""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from collections import defaultdict

from tunewise.core.adapted import FitContext
from tunewise.core.items import Splits
from tunewise.methods.base import Method


def folds_of(items: list, k: int, seed: int, key=lambda item: item.target) -> list[list]:
    """``k`` disjoint folds; examples are dealt round-robin within each label, so folds keep the label mix."""
    groups = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    rng, folds, position = random.Random(seed), [[] for _ in range(k)], 0
    for _, group in sorted(groups.items()):
        for item in rng.sample(group, len(group)):
            folds[position % k].append(item)
            position += 1
    return folds


def cross_validate(method: Method, base, task, splits: Splits, params, ctx: FitContext) -> dict | None:
    """k-fold scores of ``method`` with ``params`` (k from the method's ``folds``), or None when it has none."""
    k = method.folds(params)
    if not k:
        return None
    key = (lambda item: item.target) if task.is_classification else (lambda item: "")
    folds, scores, started = folds_of(splits.train, k, ctx.seed, key), [], time.perf_counter()
    for i, held in enumerate(folds):
        rest = [item for j, fold in enumerate(folds) if j != i for item in fold]
        fold_ctx = dataclasses.replace(
            ctx,
            # Fold curves go to the store under their own names; fold runs are not checkpointed.
            log_metric=lambda step, name, value, fold=i + 1: ctx.log_metric(step, f"fold{fold}_{name}", value),
            checkpoint_dir=None,
            resume_from=None,
        )
        adapted = method.fit(base, task, dataclasses.replace(splits, train=rest), params, fold_ctx)
        scores.append(fold_ctx.evaluate(adapted, held, desc=f"fold {i + 1}", intervals=False).score)
    mean, std = statistics.fmean(scores), statistics.stdev(scores)
    return {"folds": k, "scores": scores, "mean": mean, "std": std, "seconds": time.perf_counter() - started}
