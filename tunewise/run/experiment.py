"""The end-to-end flow: validate everything, prepare data, load the base model once, then for each method
fit -> evaluate on the test split -> save the artifact -> store the results. Methods already completed with
the same configuration, data and model are skipped, so an interrupted experiment resumes where it stopped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from tunewise import __version__
from tunewise.core.items import Splits
from tunewise.core.typed import FILE_REF, METHOD_REF
from tunewise.models.config import ModelConfig
from tunewise.run.config import ExperimentConfig, MethodEntry, entry_model, settings_marked, snapshot
from tunewise.run.data_check import check_data, log_quality
from tunewise.run.executors.plan import Plan, make_groups
from tunewise.run.executors.registry import EXECUTORS
from tunewise.run.method_run import Outcome
from tunewise.run.model_checks import model_refs
from tunewise.run.prepare import prepare
from tunewise.run.session import open_session
from tunewise.store import Store


def run_experiment(config: ExperimentConfig, store: Store, force: bool = False, log=print) -> list[Outcome]:
    task, splits = prepare(config)
    log(f"data: {splits.sizes()} examples; labels: {task.labels or 'free text'}")
    if splits.carved:
        log(splits.carved.message())
    if task.input_note():
        log(task.input_note())
    quality = check_data(config, task, splits)
    log_quality(quality, log)
    experiment_id = store.experiment(config.name, snapshot(config))
    outcomes, pending = [], []
    for entry in config.entries:
        key = run_fingerprint(config, entry, splits)
        done = None if force else store.completed_run(experiment_id, key)
        if done:
            outcomes.append(Outcome(entry.id, done.id, "skipped", "already completed with this configuration"))
            log(f"{entry.id}: already completed as run #{done.id} (use --force to run it again)")
        else:
            pending.append((entry, key))
    if not pending:
        return outcomes
    groups = make_groups(pending)
    plan = Plan(
        config,
        store,
        experiment_id,
        groups,
        log,
        lambda: open_session(config, store, experiment_id, task, splits, quality.as_dict(), log),
        last_run_id=max((run.id for run, _ in store.runs(limit=1)), default=0),
    )
    return outcomes + EXECUTORS[config.executor.kind](plan)


def run_fingerprint(config: ExperimentConfig, entry: MethodEntry, splits: Splits) -> str:
    """Identifies a result: same code release, method settings, task, model (the entry's own, and every named
    model a teacher or proposer may use), budget, seed and data."""
    data = [(i.input, i.target) for part in splits.parts().values() for i in part]
    model = identity(entry_model(config, entry.id))
    used = {value for _, value in model_refs(entry.params) if value in config.models}
    named = {name: identity(config.models[name]) for name in sorted(used)}
    settings = [asdict(entry.params), asdict(config.task), model, *([named] if named else []), asdict(config.budget)]
    built_on = _built_on(config, entry, splits)
    settings += [built_on] if built_on else []
    return fingerprint([__version__, entry.method, *settings, config.seed, fingerprint(data)])


def _built_on(config: ExperimentConfig, entry: MethodEntry, splits: Splits) -> dict:
    """What else a result depends on: the contents of the files its settings name (a new export of dpo's ratings
    is new data) and the results of the entries it starts from (listed before it, so this ends)."""
    files = {name: _file_digest(value) for name, value in settings_marked(entry.params, FILE_REF)}
    earlier = {e.id: e for e in config.entries[: config.entries.index(entry)]}
    refs = {
        value: run_fingerprint(config, earlier[value], splits)
        for _, value in settings_marked(entry.params, METHOD_REF)
        if value in earlier
    }
    return {key: value for key, value in (("files", files), ("starts_from", refs)) if value}


def _file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def identity(model: ModelConfig) -> dict:
    """What makes a model's answers what they are: an API model's server, name and scoring, not how fast or how
    often it is asked (concurrency, timeouts, retries, the cache), which do not change a result."""
    data = asdict(model)
    if model.api:
        kept = ("base_url", "model", "label_scoring", "chat_format", "cache_namespace")
        data["api"] = {key: data["api"][key] for key in kept}
    return data


def fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
