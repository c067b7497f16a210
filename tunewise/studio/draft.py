"""The studio's form as an experiment file: the person's choices (``Draft``), the experiment file's data they
make (the file the page shows and the CLI runs unchanged), and the check of that data before anything runs.

There is one validation path: the draft's data goes through the CLI's parser, ``prepare`` and data check, so
every problem the page shows is the message ``tunewise run`` would print for the same file."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import ConfigError, InputError, TunewiseError
from tunewise.core.typed import Problems
from tunewise.data.config import DataConfig
from tunewise.data.quality import QualityReport
from tunewise.decide.settings import DecisionConfig
from tunewise.methods import METHODS
from tunewise.models.config import DEFAULT_MODEL
from tunewise.run.config import ExperimentConfig, parse_experiment
from tunewise.run.data_check import check_data
from tunewise.run.prepare import prepare
from tunewise.studio.catalog import default_methods, defaults
from tunewise.studio.uploads import upload_path
from tunewise.tasks.config import TaskConfig

HEADER = "# Written by tunewise studio. It runs unchanged with: tunewise run FILE\n"


@dataclass
class Draft:
    """What the form asks; a setting left at its default is left out of the experiment file."""

    name: str
    upload_id: str
    input: str  # a field name, or a template like "{title}: {body}"
    target: str
    task_type: str = "classification"  # or generation
    labels: list[str] | None = None  # classification: None (or empty) infers them from the data
    instruction: str = ""
    model: str = DEFAULT_MODEL  # a key of the model choices (``catalog.model_choices``)
    methods: list[dict] = field(default_factory=default_methods)  # each {"method": NAME, ...settings}
    max_train_minutes: float | None = defaults(BudgetConfig)["max_train_minutes"]
    requests_per_month: int = defaults(DecisionConfig)["requests_per_month"]
    min_quality: float | None = defaults(DecisionConfig)["min_quality"]
    max_latency_ms: float | None = defaults(DecisionConfig)["max_latency_ms"]
    test_fraction: float = defaults(DataConfig)["test_fraction"]
    validation_fraction: float = defaults(DataConfig)["validation_fraction"]
    acknowledge: list[str] = field(default_factory=list)  # data-quality warnings the person has seen and accepts
    seed: int = defaults(ExperimentConfig)["seed"]


@dataclass
class DraftCheck:
    errors: list[str]  # each stops the experiment, as it would stop `tunewise run`
    warnings: list[dict] = field(default_factory=list)  # {check, message, where, acknowledged}
    notes: list[str] = field(default_factory=list)  # findings that need nothing (personal data already replaced)
    sizes: dict[str, int] = field(default_factory=dict)  # split -> examples
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> label -> count (classification)

    @property
    def ok(self) -> bool:
        """Whether the experiment can run: only errors stop it; warnings are shown, as the CLI logs them."""
        return not self.errors

    @property
    def unacknowledged(self) -> list[dict]:
        return [w for w in self.warnings if not w["acknowledged"]]


def experiment_data(draft: Draft, models: dict[str, dict]) -> dict:
    """The experiment file's data for ``draft``; ``models`` maps a model choice to its ``model:`` section.
    Raises InputError for an upload id or model choice that does not exist."""
    if draft.model not in models:
        raise InputError(
            "is not one of the models offered", field="model", value=draft.model, fix=f"choose {', '.join(models)}"
        )
    data: dict[str, Any] = {"name": draft.name, **_changed({"seed": draft.seed}, defaults(ExperimentConfig))}
    data["data"] = {"path": str(upload_path(draft.upload_id)), **_data_settings(draft)}
    data["task"] = _task(draft)
    data["model"] = copy.deepcopy(models[draft.model])
    budget = _changed({"max_train_minutes": draft.max_train_minutes}, defaults(BudgetConfig))
    decision = _changed(
        {
            "requests_per_month": draft.requests_per_month,
            "min_quality": draft.min_quality,
            "max_latency_ms": draft.max_latency_ms,
        },
        defaults(DecisionConfig),
    )
    data |= {"budget": budget} if budget else {}
    data |= {"decision": decision} if decision else {}
    data["methods"] = [_method_entry(entry) for entry in draft.methods]
    return data


def experiment_yaml(data: dict) -> str:
    """The experiment file as the page shows it and the CLI reads it."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return HEADER + body


def check_draft(data: dict) -> DraftCheck:
    """Everything `tunewise run` checks before a model loads: the file (every problem at once), the data and
    each method's settings against it, then the data-quality report (the tokenizer only)."""
    problems = Problems()
    config = parse_experiment(data, problems)
    if problems.items:
        return DraftCheck(list(problems.items))
    try:
        task, splits = prepare(config)
        report = check_data(config, task, splits)
    except ConfigError as exc:
        return DraftCheck(list(exc.problems))
    except TunewiseError as exc:  # InputError included: the line and the fix are in its message
        return DraftCheck([str(exc)])
    return _from_report(report)


def _from_report(report: QualityReport) -> DraftCheck:
    """Errors stop the experiment as ``log_quality`` stops the CLI; warnings only inform, as they do there."""
    check = DraftCheck([f"[{f.check}] {f.message}" for f in report.errors], sizes=report.sizes, labels=report.labels)
    for finding in report.findings:
        if finding.severity == "warning":
            shown = {"check": finding.check, "message": finding.message, "where": list(finding.where)}
            check.warnings.append(shown | {"acknowledged": finding.acknowledged})
        elif finding.severity != "error":
            check.notes.append(f"[{finding.check}] {finding.message}")
    return check


def _data_settings(draft: Draft) -> dict:
    given = {
        "test_fraction": draft.test_fraction,
        "validation_fraction": draft.validation_fraction,
        "acknowledge": list(draft.acknowledge),
    }
    return _changed(given, defaults(DataConfig))


def _task(draft: Draft) -> dict:
    # The type, input and answer are the person's main choices: always written, defaults or not.
    task = {"type": draft.task_type, "input": draft.input, "target": draft.target}
    # Labels apply to classification only: a form switched to generation keeps none of the ones it showed.
    labels = list(draft.labels) if draft.labels and draft.task_type == "classification" else None
    return task | _changed({"labels": labels, "instruction": draft.instruction}, defaults(TaskConfig))


def _method_entry(entry: dict) -> dict:
    """The entry with the settings left at the method's defaults, or left empty in the form, taken out.
    Anything the method does not know stays, so the parser names it with the allowed keys."""
    entry = dict(entry)
    name = entry.get("method")
    if not isinstance(name, str) or name not in METHODS:
        return entry
    settings = {k: v for k, v in entry.items() if k != "method" and v != ""}
    return {"method": name, **_changed(settings, defaults(METHODS.get(name).config_class))}


def _changed(values: dict, default: dict) -> dict:
    """The values that differ from the defaults (in type too: True is not the number 1)."""
    return {k: v for k, v in values.items() if k not in default or (v, type(v)) != (default[k], type(default[k]))}


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, text of several lines as a block, and no anchors or aliases (a person
    reads this file, and the CLI's reader bounds aliases)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML falls back to quotes by itself when a block cannot hold the text (trailing spaces, tabs).
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)
