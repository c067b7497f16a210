"""The end-to-end flow: validate everything, prepare data, load the base model once, then for each method
fit -> evaluate on the test split -> save the artifact -> store the results. Methods already completed with
the same configuration, data and model are skipped, so an interrupted experiment resumes where it stopped."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tunewise import __version__
from tunewise.config import ExperimentConfig, MethodEntry
from tunewise.data.prepare import prepare_splits
from tunewise.data.privacy import privacy_report
from tunewise.data.split import Splits
from tunewise.data_check import check_data, log_quality
from tunewise.decide.costs import training_flops
from tunewise.environment import code_version, environment
from tunewise.errors import TunewiseError
from tunewise.evaluate import evaluate, request_latency, validation_score
from tunewise.evaluate.bias import bias_probe
from tunewise.evaluate.cross_validation import cross_validate
from tunewise.evaluate.forgetting import forgetting, general_text, perplexity
from tunewise.evaluate.stability import prompt_stability
from tunewise.home import runs_dir
from tunewise.methods import METHODS, FitContext
from tunewise.methods.prompt import PromptSettings, check_verbalizer
from tunewise.models.backend import Backend
from tunewise.store import Store
from tunewise.sweep import SweepClock
from tunewise.tasks.task import Task
from tunewise.training.checkpoints import latest_checkpoint


@dataclass
class Outcome:
    method_id: str
    run_id: int | None
    status: str  # completed | skipped | failed
    message: str = ""


def prepare(config: ExperimentConfig) -> tuple[Task, Splits]:
    """Everything that can fail on the user's input, done before any model is loaded."""
    task = Task.from_config(config.task)
    task.slice_field = config.bias.column
    splits = prepare_splits(config.data, task, config.seed)
    task.privacy = privacy_report({"train": splits.train, "validation": splits.validation, "test": splits.test})
    if config.data.redact:  # from here on no method, store row, artifact or log sees the raw values
        task.redact = True
        splits = Splits(
            *([task.redacted(item) for item in part] for part in (splits.train, splits.validation, splits.test))
        )
    for name, items in (("train", splits.train), ("validation", splits.validation), ("test", splits.test)):
        if not items:
            raise TunewiseError(f"the {name} split is empty; add examples or change data.limit / fractions")
    for entry in config.entries:
        if isinstance(entry.params, PromptSettings) and (problem := check_verbalizer(entry.params, task)):
            raise TunewiseError(f"methods[{entry.id}]: {problem}")
        folds = getattr(entry.params, "cross_validation", None)
        if folds and len(splits.train) < 2 * folds:
            raise TunewiseError(
                f"methods[{entry.id}]: cross_validation {folds} needs at least {2 * folds} training examples, "
                f"the training split has {len(splits.train)}; lower it or add data"
            )
        check = getattr(METHODS.get(entry.method), "check", None)
        if check:
            check(entry.params, task, splits)
    return task, splits


@dataclass
class Session:
    """What every method of one experiment run shares."""

    config: ExperimentConfig
    store: Store
    experiment_id: int
    task: Task
    splits: Splits
    log: Callable[[str], None]
    base: Backend | None = None
    environment: dict = field(default_factory=dict)
    code_version: str = ""
    data_quality: dict = field(default_factory=dict)
    _general: tuple[list[str], float] | None = None  # general text and the base model's perplexity on it

    def forgetting(self, adapted) -> dict | None:
        """The tuned model's forgetting score; None when it learned nothing or the check is off."""
        count = self.config.forgetting.texts
        if not adapted.trainable_params or not count:
            return None
        if self._general is None:
            texts = general_text(count, self.config.seed)
            self._general = texts, perplexity(self.base, texts, desc="base model: general text")[0]
        texts, before = self._general
        return forgetting(before, adapted, texts)


def run_experiment(config: ExperimentConfig, store: Store, force: bool = False, log=print) -> list[Outcome]:
    task, splits = prepare(config)
    log(f"data: {splits.sizes()} examples; labels: {task.labels or 'free text'}")
    quality = check_data(config, task, splits)
    log_quality(quality, log)
    session = Session(config, store, store.experiment(config.name, snapshot(config)), task, splits, log)
    session.data_quality = quality.as_dict()
    outcomes, pending = [], []
    for entry in config.entries:
        key = run_fingerprint(config, entry, splits)
        done = None if force else store.completed_run(session.experiment_id, key)
        if done:
            outcomes.append(Outcome(entry.id, done.id, "skipped", "already completed with this configuration"))
            log(f"{entry.id}: already completed as run #{done.id} (use --force to run it again)")
        else:
            pending.append((entry, key))
    if pending:
        from tunewise.models import load_base

        session.base = load_base(config.model, config.seed)
        session.environment, session.code_version = environment(), code_version()
        sweeps = SweepClock()  # sweeps with max_minutes start no trial once those are spent
        for entry, key in pending:
            if sweeps.spent(entry.trial):
                log(f"{entry.id}: not run, its sweep's max_minutes ({entry.trial.max_minutes:g}) are spent")
                outcomes.append(Outcome(entry.id, None, "skipped", "sweep time budget spent"))
                continue
            with sweeps.timing(entry.trial):
                outcomes.append(_run_method(session, entry, key))
    return outcomes


def run_fingerprint(config: ExperimentConfig, entry: MethodEntry, splits: Splits) -> str:
    """Identifies a result: same code release, method settings, task, model, budget, seed and data."""
    data = [(i.input, i.target) for part in (splits.train, splits.validation, splits.test) for i in part]
    settings = [asdict(entry.params), asdict(config.task), asdict(config.model), asdict(config.budget)]
    return fingerprint([__version__, entry.method, *settings, config.seed, fingerprint(data)])


def _run_method(
    session: Session, entry: MethodEntry, key: str, run_id: int | None = None, resume_from: Path | None = None
) -> Outcome:
    """Fit, evaluate and store one method. With ``run_id`` and ``resume_from`` it continues a stored run from
    a checkpoint instead of starting a new one."""
    store, task, splits, seed = session.store, session.task, session.splits, session.config.seed
    if run_id is None:
        run_id = store.start_run(
            session.experiment_id,
            method_id=entry.id,
            method=entry.method,
            config=asdict(entry.params),
            fingerprint=key,
            environment=session.environment,
            code_version=session.code_version,
            split_sizes=splits.sizes(),
        )
    folder = runs_dir() / str(run_id)
    session.log(f"{entry.id}: run #{run_id} " + (f"resumed from {resume_from.name}" if resume_from else "started"))
    try:
        _seed_everything(seed)
        ctx = FitContext(
            seed=seed,
            budget=session.config.budget,
            artifact_dir=folder,
            log_metric=lambda step, name, value: store.log_metric(run_id, step, name, value),
            validate=lambda adapted: validation_score(adapted, task, splits.validation),
            checkpoint_dir=folder / "checkpoints",
            resume_from=resume_from,
        )
        # Cross-validation measures the method, it does not build it: its time is kept apart from the build cost.
        cross_validation = cross_validate(METHODS.get(entry.method), session.base, task, splits, entry.params, ctx)
        started = time.perf_counter()
        adapted = METHODS.get(entry.method).fit(session.base, task, splits, entry.params, ctx)
        # A resumed run's build time includes the training its killed process had done.
        train_seconds = (
            time.perf_counter() - started + adapted.details.get("training", {}).get("seconds_before_resume", 0.0)
        )
        result = evaluate(adapted, task, splits.test, desc=f"{entry.id}: test", seed=seed)
        result.cost.update(request_latency(adapted, task, splits.test))
        stability = prompt_stability(adapted, task, splits.test, session.config.stability, seed)
        measured = {
            "stability": stability,
            "forgetting": session.forgetting(adapted),
            "cross_validation": cross_validation,
            "bias": bias_probe(session.config.bias, task, splits.test, result.predictions, seed),
            "sweep": entry.trial
            and entry.trial.as_dict() | {"validation": validation_score(adapted, task, splits.validation)},
        }
        extra = {name: value for name, value in measured.items() if value}
        _store_result(session, run_id, adapted, result, extra, train_seconds, folder)
        shutil.rmtree(folder / "checkpoints", ignore_errors=True)  # the artifact holds the final weights
        primary = result.metrics[task.metric]
        session.log(f"{entry.id}: {task.metric} {primary.value:.3f} [{primary.low:.3f}, {primary.high:.3f}]")
        return Outcome(entry.id, run_id, "completed")
    except KeyboardInterrupt:
        store.fail_run(run_id, "interrupted by the user" + _resume_hint(run_id, folder))
        raise
    except Exception as exc:  # noqa: BLE001  (a failing method must not take the others down)
        message = str(exc) if isinstance(exc, TunewiseError) else traceback.format_exc()
        store.fail_run(run_id, message + _resume_hint(run_id, folder))
        print(f"tunewise: {entry.id} failed: {str(exc) or type(exc).__name__}", file=sys.stderr)
        return Outcome(entry.id, run_id, "failed", str(exc) or type(exc).__name__)


def _resume_hint(run_id: int, folder: Path) -> str:
    checkpoint = latest_checkpoint(folder / "checkpoints")
    return f"; `tunewise resume {run_id}` continues from {checkpoint.name}" if checkpoint else ""


def _store_result(session: Session, run_id: int, adapted, result, extra: dict, train_seconds: float, folder):
    """``extra``: run-level metrics stored beside the test metrics (e.g. prompt stability)."""
    artifact_bytes = _save_atomically(adapted, folder)
    base_params = session.base.parameter_count()
    train_tokens = adapted.details.get("training", {}).get("train_tokens", 0)
    session.store.finish_run(
        run_id,
        metrics={name: score.as_dict() for name, score in result.metrics.items()}
        | {"primary": session.task.metric}
        | extra,
        cost={
            "train_seconds": train_seconds,
            "trainable_params": adapted.trainable_params,
            "artifact_bytes": artifact_bytes,
            "base_params": base_params,
            "train_tokens": train_tokens,
            "build_flops": training_flops(base_params, adapted.trainable_params, train_tokens),
            "eval_seconds": result.seconds,
            **result.cost,
        },
        details=adapted.describe() | {"data_quality": session.data_quality},
        artifact_path=str(folder / "artifact"),
        predictions=[_prediction_row(i, p) for i, p in enumerate(result.predictions)],
    )


def _save_atomically(adapted, folder) -> int:
    """Write the artifact to a staging folder and rename it into place: never a half-written artifact."""
    staging, final = folder / ".artifact.partial", folder / "artifact"
    shutil.rmtree(staging, ignore_errors=True)
    size = adapted.save(staging)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return size


def _prediction_row(position: int, p) -> dict:
    return {
        "split": "test",
        "position": position,
        "origin": p.origin,
        "input": p.input,
        "target": p.target,
        "prediction": p.prediction,
        "correct": p.correct,
        "detail": p.detail,
    }


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def snapshot(config: ExperimentConfig) -> dict:
    data = {k: v for k, v in asdict(config).items() if k not in ("entries", "methods")}
    data["methods"] = [
        {"method": e.method, "id": e.id, **asdict(e.params), **({"sweep_trial": e.trial.as_dict()} if e.trial else {})}
        for e in config.entries
    ]
    return data


def fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
