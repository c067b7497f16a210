"""One method of an experiment: fit it, measure it, save its artifact and store the result. A method that fails
is recorded as failed (with a resume hint when it left a checkpoint) and never takes the others down."""

from __future__ import annotations

import dataclasses
import random
import shutil
import sys
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from tunewise.core.adapted import Adapted
from tunewise.core.backend import Backend, Work
from tunewise.core.errors import TunewiseError
from tunewise.core.format import describe_cut
from tunewise.core.home import private_files, runs_dir
from tunewise.core.record import Measurements
from tunewise.core.results import Evaluation
from tunewise.decide.costs import training_flops
from tunewise.evaluate.context import fit_context
from tunewise.evaluate.cross_validation import cross_validate
from tunewise.methods import METHODS
from tunewise.run.config import MethodEntry, snapshot
from tunewise.run.session import Session
from tunewise.training.checkpoints import latest_checkpoint


@dataclass
class Built:
    """A fitted method with everything measured about it, ready to store."""

    adapted: Adapted
    result: Evaluation
    measured: Measurements
    train_seconds: float  # observed wall clock of fit (with the training a killed process did, when resumed)
    fit_work: Work  # tokens the base model read and generated while fitting (validation, candidates, teacher)
    base: Backend  # the model the method adapted (the experiment's, or the entry's own)
    device_before: dict  # the base's device record when the method started (its counters, for an API model)


@dataclass
class Outcome:
    method_id: str
    run_id: int | None
    status: str  # completed | skipped | failed
    message: str = ""


def run_method(
    session: Session, entry: MethodEntry, key: str, run_id: int | None = None, resume_from: Path | None = None
) -> Outcome:
    """Fit, measure and store one method. With ``run_id`` and ``resume_from`` it continues a stored run from a
    checkpoint instead of starting a new one."""
    store = session.store
    if run_id is None:
        run_id = store.start_run(
            session.experiment_id,
            method_id=entry.id,
            method=entry.method,
            config=asdict(entry.params),
            fingerprint=key,
            environment=session.environment,
            code_version=session.code_version,
            split_sizes=session.splits.sizes(),
        )
    folder = runs_dir() / str(run_id)
    session.log(f"{entry.id}: run #{run_id} " + (f"resumed from {resume_from.name}" if resume_from else "started"))
    try:
        with private_files():  # artifacts and checkpoints hold the user's data: theirs only
            built = _fit_and_measure(session, entry, run_id, folder, resume_from)
            _store_result(session, run_id, built, folder)
        shutil.rmtree(folder / "checkpoints", ignore_errors=True)  # the artifact holds the final weights
        if built.measured.context_cut:
            session.log(f"{entry.id}: {describe_cut(built.measured.context_cut, session.config.model.max_length)}")
        primary = built.result.metrics[session.task.metric]
        session.log(f"{entry.id}: {session.task.metric} {primary.value:.3f} [{primary.low:.3f}, {primary.high:.3f}]")
        return Outcome(entry.id, run_id, "completed")
    except KeyboardInterrupt:
        store.fail_run(run_id, "interrupted by the user" + _resume_hint(run_id, folder))
        raise
    except Exception as exc:  # noqa: BLE001  (a failing method must not take the others down)
        message = str(exc) if isinstance(exc, TunewiseError) else traceback.format_exc()
        store.fail_run(run_id, message + _resume_hint(run_id, folder))
        print(f"tunewise: {entry.id} failed: {str(exc) or type(exc).__name__}", file=sys.stderr)
        return Outcome(entry.id, run_id, "failed", str(exc) or type(exc).__name__)


def _fit_and_measure(
    session: Session, entry: MethodEntry, run_id: int, folder: Path, resume_from: Path | None
) -> Built:
    method, task, splits, seed = METHODS.get(entry.method), session.task, session.splits, session.config.seed
    base = session.base_for(entry)
    _seed_everything(seed)
    ctx = fit_context(
        task,
        splits,
        seed=seed,
        budget=session.config.budget,
        log_metric=lambda step, name, value: session.store.log_metric(run_id, step, name, value),
        checkpoint_dir=folder / "checkpoints",
        resume_from=resume_from,
        models=session.models.get,
    )
    ctx.prior = lambda method_id: prior_artifact(session, method_id)  # a method that starts from another's run
    # Cross-validation measures the method, it does not build it: its time is kept apart from the build cost.
    cross_validation = cross_validate(method, base, task, splits, entry.params, ctx)
    started, work_before, others_before = time.perf_counter(), base.work.copy(), session.models.snapshot()
    ctx.spent_usd = session.models.spending(base, session.config.prices.models)  # the build's own dollars
    device_before = base.placement.record()
    adapted = method.fit(base, task, splits, entry.params, ctx)
    # What the method evaluated only to report (e.g. prompt search's test check) is not part of the build.
    fit_work = base.work.since(work_before).since(Work(**adapted.details.pop("measurement_work", {})))
    # Work on other models (teachers, proposers) is part of the build: what the method loaded itself and what
    # the experiment's named models did for it.
    measured_only = adapted.details.pop("measurement_work_of", {})  # e.g. a teacher's own test-split check
    adapted.details["other_work"] = adapted.details.get("other_work", []) + session.models.used_since(
        others_before, base, measured_only
    )
    # A resumed run's build time includes the training its killed process had done; the time a method spent only
    # measuring (dpo's start and tuned model on test) is not build time.
    train_seconds = time.perf_counter() - started + adapted.details.get("training", {}).get("seconds_before_resume", 0)
    train_seconds -= adapted.details.pop("measurement_seconds", 0.0)
    result, measured = session.measurer.measure(adapted, entry.id, base)
    trial = entry.trial and entry.trial.as_dict() | {"validation": ctx.validate(adapted)}
    measured = dataclasses.replace(measured, cross_validation=cross_validation, sweep=trial or None)
    return Built(adapted, result, measured, train_seconds, fit_work, base, device_before)


def prior_artifact(session: Session, method_id: str) -> Path:
    """The artifact folder of the experiment's latest completed run of the entry ``method_id``."""
    run = next((r for r in session.store.latest_completed(session.config.name) if r.method_id == method_id), None)
    if run is None or not run.artifact_path or not Path(run.artifact_path).is_dir():
        raise TunewiseError(
            f"no completed run of {method_id!r} in experiment {session.config.name!r} to start from: list "
            f"{method_id!r} before this method under `methods:`, or run it first"
        )
    return Path(run.artifact_path)


def _resume_hint(run_id: int, folder: Path) -> str:
    checkpoint = latest_checkpoint(folder / "checkpoints")
    return f"; `tunewise resume {run_id}` continues from {checkpoint.name}" if checkpoint else ""


def _store_result(session: Session, run_id: int, built: Built, folder: Path) -> None:
    adapted, result, task = built.adapted, built.result, session.task
    # The artifact says what it answers, so it can be served and exported without the experiment's data.
    adapted.details["task"] = {
        "type": task.type,
        "labels": task.labels,
        "metric": task.metric,
        "max_new_tokens": task.max_new_tokens,
        "stop": list(task.stop),
        # The reference every classification leaderboard shows: always answering the majority label of train.
        "train_label_counts": _label_counts(task, session.splits.train),
    }
    artifact_bytes = _save_atomically(adapted, folder)
    base = built.base
    base_params = base.parameter_count()
    speed = session.throughput_of(base)
    train_tokens = adapted.details.get("training", {}).get("train_tokens", 0)
    session.store.finish_run(
        run_id,
        metrics={name: score.as_dict() for name, score in result.metrics.items()},
        primary=session.task.metric,
        measurements=built.measured,
        cost={
            "train_seconds": built.train_seconds,
            "trainable_params": adapted.trainable_params,
            "artifact_bytes": artifact_bytes,
            "base_params": base_params,
            "train_tokens": train_tokens,
            "build_flops": training_flops(base_params, adapted.trainable_params, train_tokens),
            "eval_seconds": result.seconds,
            "served_params": adapted.backend.parameter_count(),
            "fit_read_tokens": built.fit_work.read_tokens,
            "fit_generated_tokens": built.fit_work.generated_tokens,
            "other_work": adapted.details.get("other_work", []),  # work on models other than the base
            "device": _counted_since(adapted.backend.placement.record(), built.device_before),
            "throughput": speed.as_dict() if speed else None,
            "model": base.name,
            "bills_tokens": base.bills_tokens,
            **result.cost,
        },
        # The run keeps the configuration it was made with: the experiment's may change with a later run.
        details=adapted.describe()
        | {"data_quality": session.data_quality, "experiment_config": snapshot(session.config)},
        artifact_path=str(folder / "artifact"),
        predictions=[_prediction_row(i, p) for i, p in enumerate(result.predictions)],
    )


def _counted_since(record: dict, before: dict) -> dict:
    """The device record with its counters (an API model's requests, retries, cache hits) for this run only:
    the base serves every method of the session."""
    counted = {}
    for key, value in record.items():
        earlier = before.get(key)
        if isinstance(value, dict) and isinstance(earlier, dict):
            value = _counted_since(value, earlier)
        elif isinstance(value, int | float) and not isinstance(value, bool) and isinstance(earlier, int | float):
            value = value - earlier
        counted[key] = value
    return counted


def _label_counts(task, train) -> dict[str, int] | None:
    """How often each label occurs in the training split, in the task's label order (None: no labels)."""
    if not task.is_classification:
        return None
    counts = Counter(item.target for item in train)
    return {label: counts[label] for label in task.labels}


def _save_atomically(adapted: Adapted, folder: Path) -> int:
    """Write the artifact to a staging folder and rename it into place: never a half-written artifact."""
    staging, final = folder / ".artifact.partial", folder / "artifact"
    shutil.rmtree(staging, ignore_errors=True)
    size = adapted.save(staging)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return size


def _prediction_row(position: int, p) -> dict:
    fields = ("origin", "input", "target", "prediction", "correct", "detail")
    return {"split": "test", "position": position, **{name: getattr(p, name) for name in fields}}


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
