"""The experiment file: task + data + model + methods + budget + seed, validated in full before any work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from tunewise.decide.settings import DecisionConfig, PriceSheet
from tunewise.errors import ConfigError
from tunewise.sweep import Trial, expand
from tunewise.typed import Problems, build, format_path

DEFAULT_MODEL = "smollm2-135m-instruct"


# The data quality report's checks (tunewise/data/quality.py), named here so data.acknowledge can be validated.
QualityCheck = Literal[
    "duplicates",
    "conflicting_answers",
    "near_duplicates",
    "leakage",
    "imbalance",
    "too_long",
    "encoding",
    "personal_data",
]


@dataclass
class SplitSizes:
    train: int | None = field(default=None, metadata={"help": "at most this many training examples"})
    validation: int | None = field(default=None, metadata={"help": "at most this many validation examples"})
    test: int | None = field(default=None, metadata={"help": "at most this many test examples"})

    def __post_init__(self):
        for name in ("train", "validation", "test"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} limit must be at least 1, got {value}")


@dataclass
class SplitFiles:
    train: str = field(metadata={"help": "training examples file"})
    validation: str = field(metadata={"help": "validation examples file (early stopping, prompt search)"})
    test: str = field(metadata={"help": "held-out test examples file"})


@dataclass
class DataConfig:
    dataset: str | None = field(default=None, metadata={"help": "catalog dataset name, e.g. rotten_tomatoes"})
    path: str | None = field(default=None, metadata={"help": "a .jsonl or .csv file, split by tunewise"})
    splits: SplitFiles | None = field(default=None, metadata={"help": "your own train/validation/test files"})
    validation_fraction: float = field(default=0.15, metadata={"help": "share of examples for validation"})
    test_fraction: float = field(default=0.25, metadata={"help": "share of examples for test"})
    limit: SplitSizes = field(default_factory=SplitSizes, metadata={"help": "subset sizes per split"})
    redact: bool = field(
        default=False, metadata={"help": "replace personal data (e-mail, phone, card, IBAN, IP, SSN/NHS) by <TYPE>"}
    )
    acknowledge: list[QualityCheck] = field(
        default_factory=list, metadata={"help": "data-quality warnings you have seen and accept"}
    )

    def __post_init__(self):
        given = [k for k in ("dataset", "path", "splits") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of dataset, path or splits (got {', '.join(given) or 'none'})")
        fractions = (self.validation_fraction, self.test_fraction)
        if not all(0 < f < 1 for f in fractions) or sum(fractions) >= 1:
            raise ValueError("validation_fraction and test_fraction must be in (0, 1) and sum to less than 1")


@dataclass
class TaskConfig:
    target: str = field(metadata={"help": "field holding the answer / label"})
    input: str = field(default="{text}", metadata={"help": "input field name, or a template like '{title}: {body}'"})
    type: Literal["classification", "generation"] = field(default="classification", metadata={"help": "task type"})
    labels: list[str] | None = field(default=None, metadata={"help": "label set; inferred from train if omitted"})
    metric: str | None = field(default=None, metadata={"help": "primary metric; default accuracy / exact_match"})
    instruction: str = field(default="", metadata={"help": "what the model is asked to do"})
    system: str | None = field(default=None, metadata={"help": "system prompt; the model's default if omitted"})
    max_new_tokens: int = field(default=32, metadata={"help": "generation: most tokens to generate"})
    stop: list[str] = field(default_factory=lambda: ["\n"], metadata={"help": "generation: stop sequences"})

    def __post_init__(self):
        if self.labels is not None and len(set(self.labels)) < 2:
            raise ValueError(f"labels needs at least two distinct labels, got {self.labels}")
        if self.type == "generation" and self.labels:
            raise ValueError("labels are for classification tasks; remove them or set type: classification")
        from tunewise.evaluate.metrics import METRICS, installed_metric_names, load_installed_metric

        allowed = [n for n in METRICS.names() if self.type in METRICS.get(n).task_types]
        if self.metric is None or self.metric in allowed:
            return
        if self.metric not in METRICS and load_installed_metric(self.metric, self.type):
            return
        installed = installed_metric_names()
        extra = f", or an installed one: {', '.join(installed)}" if installed else ""
        raise ValueError(
            f"metric {self.metric!r} does not fit {self.type} tasks; choose one of {', '.join(allowed)}{extra} "
            "(custom metrics come from an installed package's 'tunewise.metrics' entry point)"
        )


@dataclass
class ModelConfig:
    name: str | None = field(default=None, metadata={"help": f"a packaged model (default {DEFAULT_MODEL})"})
    path: str | None = field(default=None, metadata={"help": "a local Hugging Face model directory"})
    max_length: int = field(default=512, metadata={"help": "longest prompt + answer in tokens"})
    allow_pickle: bool = field(
        default=False,
        metadata={"help": "also load pickled weights (.bin/.pt), which can run code: trusted folders only"},
    )
    batch_size: int = field(default=8, metadata={"help": "examples per forward pass"})

    def __post_init__(self):
        if self.name and self.path:
            raise ValueError("give model.name or model.path, not both")
        if self.name is None and self.path is None:
            self.name = DEFAULT_MODEL


@dataclass
class BudgetConfig:
    max_train_minutes: float | None = field(default=None, metadata={"help": "stop training a method after this"})
    max_steps: int | None = field(default=None, metadata={"help": "most optimizer steps per trained method"})


@dataclass
class StabilityConfig:
    variants: int = field(default=4, metadata={"help": "reworded prompts scored per method (0 turns this off)"})
    examples: int = field(default=60, metadata={"help": "test examples each rewording is scored on"})

    def __post_init__(self):
        if self.variants < 0 or self.examples < 1:
            raise ValueError(f"need variants >= 0 and examples >= 1, got {self.variants} and {self.examples}")


@dataclass
class ForgettingConfig:
    texts: int = field(
        default=200, metadata={"help": "general-text conversations scored before/after tuning (0 turns this off)"}
    )

    def __post_init__(self):
        if self.texts < 0:
            raise ValueError(f"texts must be 0 or more, got {self.texts}")


@dataclass
class BiasConfig:
    column: str | None = field(default=None, metadata={"help": "slice the test split by this data field"})
    terms: dict[str, list[str]] = field(
        default_factory=dict, metadata={"help": "slice name -> words; an input is in a slice if it has one of them"}
    )

    def __post_init__(self):
        if self.column and self.terms:
            raise ValueError("give bias.column or bias.terms, not both")
        empty = [name for name, words in self.terms.items() if not words]
        if empty:
            raise ValueError(f"bias.terms slices need at least one word (empty: {', '.join(empty)})")

    @property
    def enabled(self) -> bool:
        return bool(self.column or self.terms)


@dataclass
class MethodEntry:
    method: str
    id: str
    params: Any  # the method's own validated config dataclass
    trial: Any = None  # a sweep.Trial when the entry is one trial of a sweep


@dataclass
class ExperimentConfig:
    name: str = field(metadata={"help": "experiment name (groups its runs in the store)"})
    task: TaskConfig = field(metadata={"help": "what to predict and how it is scored"})
    data: DataConfig = field(metadata={"help": "where the examples come from"})
    methods: list[dict] = field(metadata={"help": "methods to compare, each {method: NAME, ...parameters}"})
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "the base model"})
    budget: BudgetConfig = field(default_factory=BudgetConfig, metadata={"help": "limits per trained method"})
    seed: int = field(default=0, metadata={"help": "seed for splits, sampling and training"})
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
    source: str = field(default="<dict>", init=False)
    entries: list[MethodEntry] = field(default_factory=list, init=False)


def load_experiment(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found; check the path"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {str(exc).splitlines()[0]}"]) from None
    problems = Problems(lines=line_numbers(node) if node is not None else {})
    data = apply_overrides(data, overrides, problems)
    config = parse_experiment(data, problems, base_dir=path.parent)
    if problems.items:
        raise ConfigError(str(path), problems.items)
    config.source = str(path)
    return config


def parse_experiment(data: Any, problems: Problems, base_dir: Path = Path(".")) -> ExperimentConfig | None:
    config = build(ExperimentConfig, data, problems)
    entries = parse_methods(data.get("methods") if isinstance(data, dict) else None, problems)
    if config is None or problems.items:
        return None
    config.entries = entries
    _resolve_paths(config.data, base_dir)
    return config


def config_from_snapshot(snapshot: dict, experiment: str) -> ExperimentConfig:
    """Rebuild the configuration an experiment was stored with (``tunewise resume``)."""
    problems = Problems(lines={})
    config = parse_experiment({k: v for k, v in snapshot.items() if k != "source"}, problems)
    if problems.items:
        raise ConfigError(f"experiment {experiment!r} as stored", problems.items)
    config.source = snapshot.get("source", "<store>")
    return config


def parse_methods(items: Any, problems: Problems) -> list[MethodEntry]:
    from tunewise.methods import METHODS

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
            entries += [MethodEntry(name, trial_id, config, trial) for trial_id, config, trial in trials]
            continue
        trial = Trial(**stored_trial) if isinstance(stored_trial, dict) else None  # a snapshot's sweep trial
        entries.append(MethodEntry(name, str(run_id), build(config_class, params, problems, path), trial))
    return entries


def _resolve_paths(data: DataConfig, base_dir: Path) -> None:
    """Relative data paths are relative to the experiment file, so experiments run from any folder."""

    def resolve(p: str) -> str:
        return str(p if Path(p).is_absolute() else (base_dir / p).resolve())

    if data.path:
        data.path = resolve(data.path)
    if data.splits:
        for split in ("train", "validation", "test"):
            setattr(data.splits, split, resolve(getattr(data.splits, split)))


def line_numbers(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(line_numbers(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            lines.update(line_numbers(value, (*path, i)))
    return lines


def apply_overrides(data: Any, overrides: list[str], problems: Problems) -> Any:
    """Apply ``key.path=value`` overrides; a list item is addressed by index or by its method id."""
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            problems.add((), f"override {override!r} must look like key.path=value, e.g. seed=3")
            continue
        _set_path(data, key.split("."), yaml.safe_load(raw), problems)
    return data


def _set_path(data: Any, keys: list[str], value: Any, problems: Problems) -> None:
    node = data
    for depth, key in enumerate(keys[:-1]):
        node = _child(node, key)
        if node is None:
            problems.add(tuple(keys[: depth + 1]), "override names a key path that does not exist")
            return
    last = keys[-1]
    if isinstance(node, list):
        index = _list_index(node, last)
        if index is None:
            problems.add(tuple(keys), "override names a list item that does not exist")
            return
        node[index] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        problems.add(tuple(keys), f"cannot set a key inside {format_path(tuple(keys[:-1]))}")


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.setdefault(key, {}) if key not in node else node[key]
    if isinstance(node, list):
        index = _list_index(node, key)
        return node[index] if index is not None else None
    return None


def _list_index(items: list, key: str) -> int | None:
    if key.isdigit() and int(key) < len(items):
        return int(key)
    for i, item in enumerate(items):
        if isinstance(item, dict) and key in (item.get("id"), item.get("method")):
            return i
    return None
