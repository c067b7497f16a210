"""Latency as a user sees it: requests served one at a time, each rendered, run and answered on its own."""

from __future__ import annotations

import os
import time

import numpy as np

from tunewise.core.adapted import Adapted
from tunewise.core.items import Item
from tunewise.core.progress import progress
from tunewise.evaluate.evaluate import fitted_prompts
from tunewise.evaluate.predict import PREDICTORS
from tunewise.tasks.task import Task

REQUESTS = 20
BUDGET_SECONDS = 60  # slow methods (long reasoning) stop early, after at least MIN_REQUESTS
MIN_REQUESTS = 5


def request_latency(adapted: Adapted, task: Task, items: list[Item], requests: int = REQUESTS) -> dict[str, float]:
    """p50/p95 milliseconds over up to ``requests`` single requests (fewer when they take over a minute in
    all, never under five), after one warm-up request."""
    predict = PREDICTORS[task.type]
    sample = items[: requests + 1]
    timings, bar = [], progress(total=len(sample), desc=f"{adapted.method}: latency", unit="req")
    for i, item in enumerate(sample):
        started = time.perf_counter()
        with adapted.backend.fresh():  # a cached answer would time the cache, not the model
            predict(adapted, task, [item], fitted_prompts(adapted, task, [item])[0], "")
        if i:  # the first request warms caches and allocators
            timings.append((time.perf_counter() - started) * 1000)
        bar.update(1)
        if len(timings) >= MIN_REQUESTS and sum(timings) > BUDGET_SECONDS * 1000:
            break
    bar.close()
    if not timings:
        return {}
    p50, p95 = np.percentile(timings, [50, 95])
    load = f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"  # what the measured figures were taken under
    return {
        "latency_p50_ms": float(p50),
        "latency_p95_ms": float(p95),
        "latency_requests": len(timings),
        "latency_load": load,
    }
