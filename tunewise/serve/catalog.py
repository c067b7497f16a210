"""Which runs a server offers, each under its own model id, read back through ``Method.load`` (the same safe
loading as runs: safetensors only, no shipped code) over one base model per base."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.adapted import Adapted
from tunewise.core.errors import TunewiseError
from tunewise.decide.load import decision_for
from tunewise.methods import METHODS
from tunewise.models.adapters import SharedAdapters
from tunewise.models.load import load_base
from tunewise.run.config import config_from_snapshot, entry_model
from tunewise.serve.card import model_card
from tunewise.store import Store
from tunewise.tasks.task import Task


@dataclass
class Served:
    model_id: str  # "experiment/method_id"
    run_id: int | None  # None: a base model served as it is (`tunewise serve --model`, serve/base_model.py)
    experiment: str
    method: str
    adapted: Adapted
    task: Task
    recommended: bool = False
    created: int = 0  # unix time the run finished
    card: str = ""  # MODEL_CARD.md: what it is, its data, quality, the comparison it won, its limits


def served_runs(store: Store, target: str, share_base: bool = False) -> list[Served]:
    """``target``: a run id (that run) or an experiment name (its recommended run first, then every other
    method's latest completed run). ``share_base``: LoRA runs share one copy of the base weights (a server's
    choice; an export needs a model of its own to merge into)."""
    if target.isdigit():
        run, experiment = store.run(int(target))
        if run.status != "completed":
            raise TunewiseError(f"run #{run.id} is {run.status}; only completed runs can be served")
        return _load(store, experiment, [(run, False)], decision_for(store, experiment), share_base)
    decision = decision_for(store, target)
    runs = {run.id: run for run in store.latest_completed(target)}
    chosen = decision.recommended.run_id if decision.recommended else None
    order = sorted(runs, key=lambda run_id: (run_id != chosen, run_id))
    return _load(store, target, [(runs[run_id], run_id == chosen) for run_id in order], decision, share_base)


def _load(store: Store, experiment: str, runs, decision, share_base: bool) -> list[Served]:
    bases: dict[str, object] = {}  # one base in memory per base model; each run's adapter is read over it
    served = []
    for run, recommended in runs:
        # The configuration the run was made with (stored with it since 0.2), else the experiment's latest.
        snapshot = (run.details or {}).get("experiment_config") or store.experiment_config(experiment)
        config = config_from_snapshot(snapshot, experiment)
        model = entry_model(config, run.method_id)
        key = json.dumps(dataclasses.asdict(model), sort_keys=True)
        if key not in bases:
            bases[key] = load_base(model, config.seed)
            if share_base and not bases[key].bills_tokens:  # an API model has no local weights to share
                bases[key].shared_adapters = SharedAdapters(bases[key].model)
            measured_with = ((run.cost or {}).get("device") or {}).get("label_scoring")
            if bases[key].bills_tokens and measured_with:  # labels scored as they were measured, no new probe
                bases[key].label_mode = measured_with
        task = _task(store, run, config)
        adapted = METHODS.get(run.method).load(bases[key], task, Path(run.artifact_path))
        finished = int(run.finished_at.timestamp()) if run.finished_at else 0
        model_id = f"{experiment}/{run.method_id}"
        card = model_card(run, experiment, snapshot, decision)
        served.append(Served(model_id, run.id, experiment, run.method, adapted, task, recommended, finished, card))
    return served


def _task(store: Store, run, config) -> Task:
    task = Task.from_config(config.task)
    own = (run.details or {}).get("task", {})  # what the run itself was measured with
    task.stop = tuple(own.get("stop", task.stop))
    task.max_new_tokens = own.get("max_new_tokens", task.max_new_tokens)
    if task.is_classification:
        task.labels = own.get("labels") or task.labels or _labels(store, run.id)
    return task


def _labels(store: Store, run_id: int) -> list[str] | None:
    """Labels of a run stored before artifacts named them: those its test answers used."""
    targets = sorted({row.target for row in store.predictions(run_id)})
    return targets or None
