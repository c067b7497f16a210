"""Bias probe: the task metric on slices of the test split the user names (by a data column, or by lists of
terms found in the input such as gendered words), and the gap between the best and worst slice with a 95%
bootstrap interval (each slice resampled on its own). A gap whose interval excludes 0 is reported as real."""

from __future__ import annotations

import re

import numpy as np

from tunewise.evaluate.config import BiasConfig

MIN_SLICE = 5  # slices smaller than this are listed but left out of the gap


def slices_of(config: BiasConfig, items) -> dict[str, list[int]]:
    """Slice name -> positions of the test items in it (an item can be in several term slices, or none)."""
    out: dict[str, list[int]] = {}
    if config.column:
        for i, item in enumerate(items):
            out.setdefault(item.slice or "(empty)", []).append(i)
        return out
    for name, words in config.terms.items():
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
        out[name] = [i for i, item in enumerate(items) if pattern.search(item.input)]
    return out


def bias_probe(config: BiasConfig, task, items, predictions, seed: int = 0, resamples: int = 1000) -> dict | None:
    if not config.enabled:
        return None
    metric = task.metric_named(task.metric)  # a metric fitted on the training answers, when it is one
    guesses = np.asarray([p.prediction for p in predictions], dtype=object)
    targets = np.asarray([p.target for p in predictions], dtype=object)
    rng = np.random.default_rng(seed)

    def score(idx) -> float:
        return metric.compute(list(guesses[idx]), list(targets[idx]), task.labels)

    slices, draws = {}, {}
    for name, positions in slices_of(config, items).items():
        idx = np.asarray(positions, dtype=int)
        if len(idx) == 0:
            slices[name] = {"n": 0, "value": None, "low": None, "high": None}
            continue
        samples = np.array([score(idx[rng.integers(0, len(idx), len(idx))]) for _ in range(resamples)])
        low, high = np.percentile(samples, [2.5, 97.5])
        slices[name] = {"n": len(idx), "value": score(idx), "low": float(low), "high": float(high)}
        if len(idx) >= MIN_SLICE:
            draws[name] = samples
    return {"metric": task.metric, "slices": slices, "gap": _gap(slices, draws)}


def _gap(slices: dict, draws: dict) -> dict | None:
    if len(draws) < 2:
        return None
    best = max(draws, key=lambda name: slices[name]["value"])
    worst = min(draws, key=lambda name: slices[name]["value"])
    difference = draws[best] - draws[worst]
    low, high = np.percentile(difference, [2.5, 97.5])
    value = slices[best]["value"] - slices[worst]["value"]
    return {"value": value, "low": float(low), "high": float(high), "best": best, "worst": worst, "real": bool(low > 0)}
