"""The experiment file: task + data + model + methods + budget + seed, validated in full before any work.

Each section's type lives with the stage that uses it (``data/config.py``, ``tasks/config.py``, ...); this
module composes them, reads the YAML and resolves the method entries against the registry.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import ConfigError
from tunewise.core.typed import FILE_REF, METHOD_REF, Invalid, Problems, build
from tunewise.data.config import DataConfig
from tunewise.decide.settings import DecisionConfig, PriceSheet
from tunewise.evaluate.config import BiasConfig, ForgettingConfig, StabilityConfig
from tunewise.evaluate.judge.config import JudgeConfig
from tunewise.methods import METHODS
from tunewise.models.config import ModelConfig
from tunewise.run.executors.config import ExecutorConfig
from tunewise.run.model_checks import check_models
from tunewise.run.models import model_config_for
from tunewise.run.overrides import apply_overrides, line_numbers
from tunewise.run.sweep import Trial, expand
from tunewise.run.yaml_safe import YamlRefused, read_yaml
from tunewise.tasks.config import TaskConfig

MAX_FILE_BYTES = 1_000_000  # experiment files are a few kB; the limit keeps a wrong path from being read whole
MAX_SEED = 2**32 - 1  # numpy's seeds are 32-bit
# Experiment names become folder and file names (artifacts, reports): letters, digits, '-', '_', '.' and spaces,
# starting with a letter or digit, not ending with '.' or a space (Windows drops those), at most 100 characters.
NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9 ._-]{0,98}[A-Za-z0-9_-])?")


def _check_name(name: str) -> str | None:
    if NAME.fullmatch(name):
        return None
    shown = repr(name) if len(name) <= 40 else f"{name[:30]!r}... ({len(name):,} characters)"
    return (
        f"{shown} is not allowed: the name is used for folders and files, so use 1 to 100 letters, digits, '-', "
        "'_', '.' or spaces, starting with a letter or digit and not ending with '.' or a space"
    )


def _check_seed(seed: int) -> str | None:
    return None if 0 <= seed <= MAX_SEED else f"must be between 0 and {MAX_SEED} (2**32 - 1), got {seed}"


@dataclass
class MethodEntry:
    method: str
    id: str
    params: Any  # the method's own validated config dataclass
    trial: Trial | None = None  # set when the entry is one trial of a sweep
    model: str | None = None  # the base it adapts, by its name under `models:` (default: the experiment's model)


@dataclass
class ExperimentConfig:
    name: str = field(metadata={"help": "experiment name (groups its runs in the store)", "check": _check_name})
    task: TaskConfig = field(metadata={"help": "what to predict and how it is scored"})
    data: DataConfig = field(metadata={"help": "where the examples come from"})
    methods: list[dict] = field(metadata={"help": "methods to compare, each {method: NAME, ...parameters}"})
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "the base model"})
    models: dict[str, ModelConfig] = field(
        default_factory=dict,
        metadata={
            "help": "other models by a name of your choice (e.g. an API model), for methods (model: NAME), "
            "teachers (teacher: {model: NAME}) and proposers (proposer: NAME)"
        },
    )
    budget: BudgetConfig = field(default_factory=BudgetConfig, metadata={"help": "limits per trained method"})
    seed: int = field(default=0, metadata={"help": "seed for splits, sampling and training", "check": _check_seed})
    decision: DecisionConfig = field(
        default_factory=DecisionConfig, metadata={"help": "expected volume and constraints for the recommendation"}
    )
    prices: PriceSheet = field(default_factory=PriceSheet, metadata={"help": "$ per CPU/GPU hour and per token"})
    stability: StabilityConfig = field(
        default_factory=StabilityConfig, metadata={"help": "score every method under reworded prompts"}
    )
    bias: BiasConfig = field(
        default_factory=BiasConfig, metadata={"help": "score slices of the test split (a column or term lists)"}
    )
    forgetting: ForgettingConfig = field(
        default_factory=ForgettingConfig, metadata={"help": "perplexity on general text before and after tuning"}
    )
    judge: JudgeConfig | None = field(
        default=None,
        metadata={"help": "an LLM judge scores every method's generated test answers on a rubric (judge_<rubric>)"},
    )
    executor: ExecutorConfig = field(
        default_factory=ExecutorConfig,
        metadata={"help": "where methods run: local (default), processes (a local pool) or dask (a cluster)"},
    )
    source: str = field(default="<dict>", init=False)
    entries: list[MethodEntry] = field(default_factory=list, init=False)

    def __post_init__(self):
        if self.data.normalize_labels and self.task.type != "classification":
            raise Invalid("data.normalize_labels is for classification labels; remove it or set task.type")
        if self.judge and self.task.type == "classification":
            raise Invalid("judge scores generated answers; remove it or set task.type: generation")


def load_experiment(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    path = Path(path)
    node, data, found = _read(path)
    problems = Problems(lines=line_numbers(node) if node is not None else {}, items=found)
    data = apply_overrides(_shorthands(data), overrides, problems)
    config = parse_experiment(data, problems, base_dir=path.parent)
    if problems.items:
        raise ConfigError(str(path), problems.items)
    config.source = str(path)
    return config


def _read(path: Path) -> tuple[Any, Any, list[str]]:
    """The file's YAML node (for line numbers), data and problems (``read_yaml``); a file that cannot be read
    is a ConfigError."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(str(path), [f"larger than {MAX_FILE_BYTES // 1000:,} kB; is this an experiment file?"])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found; check the path"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"]) from None
    except OSError as exc:
        raise ConfigError(
            str(path), [f"cannot be read ({exc.strerror or exc}); check the path and permissions"]
        ) from None
    try:
        return read_yaml(text)
    except YamlRefused as exc:
        raise ConfigError(str(path), exc.problems) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {str(exc).splitlines()[0]}"]) from None


def parse_experiment(data: Any, problems: Problems, base_dir: Path = Path(".")) -> ExperimentConfig | None:
    config = build(ExperimentConfig, _shorthands(data), problems)
    entries = parse_methods(data.get("methods") if isinstance(data, dict) else None, problems)
    if config is None or problems.items:
        return None
    config.entries = entries
    check_models(config, problems)
    _check_method_refs(entries, problems)
    if problems.items:
        return None
    _resolve_paths(config.data, base_dir)
    _resolve_method_files(config.entries, base_dir)
    return config


def _shorthands(data: Any) -> Any:
    """``executor: dask`` means ``executor: {kind: dask}`` (so ``--set executor.workers=4`` applies to it)."""
    if isinstance(data, dict) and isinstance(data.get("executor"), str):
        return {**data, "executor": {"kind": data["executor"]}}
    return data


def config_from_snapshot(snapshot: dict, experiment: str) -> ExperimentConfig:
    """Rebuild the configuration an experiment was stored with (``tunewise resume``)."""
    config = config_from_data(snapshot, f"experiment {experiment!r} as stored")
    config.source = snapshot.get("source", "<store>")
    return config


def config_from_data(data: dict, where: str) -> ExperimentConfig:
    """An experiment file's data that is not in a file (the store's snapshot, a studio job), validated in full
    by the same parser; ``where`` names it in the error."""
    problems = Problems(lines={})
    config = parse_experiment({k: v for k, v in data.items() if k != "source"}, problems)
    if problems.items:
        raise ConfigError(where, problems.items)
    config.source = where
    return config


def parse_methods(items: Any, problems: Problems) -> list[MethodEntry]:
    if not isinstance(items, list) or not items:
        if items is not None:
            problems.add(("methods",), "expected a non-empty list of {method: NAME, ...}")
        return []
    entries, seen = [], set()
    for i, item in enumerate(items):
        path = ("methods", i)
        if not isinstance(item, dict) or "method" not in item:
            problems.add(path, f"each entry needs 'method: NAME'; available: {', '.join(METHODS.names())}")
            continue
        params = dict(item)
        name, run_id = params.pop("method"), params.pop("id", item["method"])
        model = params.pop("model", None)
        if model is not None and not isinstance(model, str):
            problems.add((*path, "model"), f"expected the name of a model under `models:`, got {model!r}")
            continue
        sweep, stored_trial = params.pop("sweep", None), params.pop("sweep_trial", None)
        if name not in METHODS:
            problems.add((*path, "method"), f"unknown method {name!r}; available: {', '.join(METHODS.names())}")
            continue
        if run_id in seen:
            problems.add((*path, "id"), f"id {run_id!r} is used twice; give each entry a distinct 'id'")
        seen.add(run_id)
        config_class = METHODS.get(name).config_class
        if sweep is not None:
            trials = expand(config_class, params, str(run_id), sweep, problems, path)
            entries += [MethodEntry(name, trial_id, config, trial, model) for trial_id, config, trial in trials]
            continue
        trial = Trial(**stored_trial) if isinstance(stored_trial, dict) else None  # a snapshot's sweep trial
        entries.append(MethodEntry(name, str(run_id), build(config_class, params, problems, path), trial, model))
    return entries


def settings_marked(params: Any, mark: str) -> list[tuple[str, Any]]:
    """(name, value) of a method's settings whose field carries ``mark`` (``FILE_REF``, ``METHOD_REF``) and a
    value."""
    found = [(f.name, getattr(params, f.name)) for f in dataclasses.fields(params) if f.metadata.get(mark)]
    return [(name, value) for name, value in found if value not in (None, "")]


def _check_method_refs(entries: list[MethodEntry], problems: Problems) -> None:
    """A method that builds on another entry's run (dpo's ``start_from``) is listed after it, so that run is
    made first; an id the file does not list may name a run made earlier (checked when the method starts)."""
    order = {entry.id: i for i, entry in enumerate(entries)}
    for i, entry in enumerate(entries):
        for name, value in settings_marked(entry.params, METHOD_REF):
            if order.get(value, -1) >= i:
                where = "is this entry itself" if value == entry.id else "is listed after it"
                problems.add(("methods",), f"{entry.id}: {name} {value!r} {where}; list {value!r} before {entry.id!r}")


def _resolve(path: str, base_dir: Path) -> str:
    return str(path if Path(path).is_absolute() else (base_dir / path).resolve())


def _resolve_paths(data: DataConfig, base_dir: Path) -> None:
    """Relative data paths are relative to the experiment file, so experiments run from any folder."""
    if data.path:
        data.path = _resolve(data.path, base_dir)
    if data.splits:
        for split in ("train", "validation", "test"):
            if getattr(data.splits, split) is not None:  # validation may be carved from train
                setattr(data.splits, split, _resolve(getattr(data.splits, split), base_dir))


def _resolve_method_files(entries: list[MethodEntry], base_dir: Path) -> None:
    """A method's file settings (marked ``FILE_REF``, e.g. dpo's ratings) are read like the data paths."""
    for entry in entries:
        for name, value in settings_marked(entry.params, FILE_REF):
            setattr(entry.params, name, _resolve(value, base_dir))


def snapshot(config: ExperimentConfig) -> dict:
    """The configuration as stored: with the experiment, and with each run (what that run was made with)."""
    data = {k: v for k, v in asdict(config).items() if k not in ("entries", "methods")}
    data["methods"] = [
        {
            "method": e.method,
            "id": e.id,
            **({"model": e.model} if e.model else {}),
            **asdict(e.params),
            **({"sweep_trial": e.trial.as_dict()} if e.trial else {}),
        }
        for e in config.entries
    ]
    return data


def entry_model(config: ExperimentConfig, method_id: str) -> ModelConfig:
    """The model a method entry adapted: its own (``model: NAME``) or the experiment's."""
    entry = next((e for e in config.entries if e.id == method_id), None)
    return model_config_for(entry.model, config.models) if entry and entry.model else config.model
