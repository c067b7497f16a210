"""What a parallel executor sends and checks first: one ``Assignment`` per group, and refusals of a group no
worker can take (a GPU it lacks, more memory than the largest worker has)."""

from __future__ import annotations

import hashlib
import json
import time

import torch

from tunewise.core.errors import TunewiseError
from tunewise.core.resources import Resources
from tunewise.models.config import ModelConfig
from tunewise.models.load import model_dir
from tunewise.run.config import snapshot
from tunewise.run.executors.plan import Plan
from tunewise.run.executors.work import Assignment

WEIGHT_FILES = ("*.safetensors", "*.bin")
GIB = 2**30


def assignments(plan: Plan, torch_threads: int | None) -> list[Assignment]:
    config = plan.config
    # Unique per run of the experiment: a worker reuses its session for this run's tasks, never a stale one.
    run_key = hashlib.sha256(json.dumps([snapshot(config), time.time_ns()], default=str).encode()).hexdigest()
    return [
        Assignment(
            config,
            plan.experiment_id,
            run_key,
            plan.store.url,
            torch.get_num_threads(),  # what a local run of this experiment prices with
            torch_threads,
            group,
            plan.last_run_id,
        )
        for group in plan.groups
    ]


def check_gpus(plan: Plan, gpu_workers: int, where: str) -> None:
    """Refuse before any task starts when a method needs a GPU that no worker has (it would wait forever)."""
    needing = [g.name for g in plan.groups if g.resources.gpu]
    if needing and not gpu_workers:
        raise TunewiseError(
            f"{', '.join(needing)} need(s) a CUDA GPU and no worker of {where} has one; run them on a machine "
            "with a GPU (a Dask worker started with --resources GPU=1) or remove them"
        )


def needs(resources: Resources, base_bytes: int) -> dict[str, float]:
    """Dask resource requests for a group: a GPU, and its memory when the base's size is known."""
    wanted = {"GPU": 1.0} if resources.gpu else {}
    if base_bytes:
        wanted["MEMORY"] = float(resources.memory_bytes(base_bytes))
    return wanted


def base_bytes(model: ModelConfig) -> int:
    """The size of the base model's weights on disk (0 for a model behind an API: it takes no memory here)."""
    if model.api:
        return 0
    _, folder = model_dir(model)
    return sum(path.stat().st_size for pattern in WEIGHT_FILES for path in folder.glob(pattern))


def check_memory(plan: Plan, wanted: dict[int, dict[str, float]], largest: float | None, where: str) -> None:
    """Refuse a group whose memory no single worker has, naming both, instead of waiting for one forever."""
    if not largest:
        return
    for index, group in enumerate(plan.groups):
        need = wanted[index].get("MEMORY", 0.0)
        if need > largest:
            raise TunewiseError(
                f"{group.name} needs about {need / GIB:.1f} GiB ({group.resources.weight_copies:g} copies of the "
                f"base's weights) and the largest worker of {where} has {largest / GIB:.1f} GiB; use fewer, larger "
                "workers (executor.workers) or a smaller model"
            )
