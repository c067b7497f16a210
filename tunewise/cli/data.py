"""`tunewise data check`: the data quality report for an experiment file or a single data file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tunewise.cli.console import out
from tunewise.core.items import Splits
from tunewise.data.examples import load_examples
from tunewise.data.privacy import privacy_report
from tunewise.data.quality import QualityReport, check_quality
from tunewise.report.quality import print_report
from tunewise.run.config import load_experiment
from tunewise.run.data_check import check_data
from tunewise.run.prepare import prepare
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.task import Task


@click.group()
def data():
    """Inspect data before spending compute on it."""


@data.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "input_field", default="text", show_default=True, help="Input field (data files only).")
@click.option("--target", "target_field", default="label", show_default=True, help="Answer field (data files only).")
@click.option("--type", "task_type", type=click.Choice(["classification", "generation"]), default="classification")
@click.option("--labels", help="Allowed labels, comma-separated (data files only; default: those found).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(target: Path, input_field: str, target_field: str, task_type: str, labels: str | None, as_json: bool):
    """Check TARGET, an experiment file (its splits, as the run would see them) or a .jsonl/.csv file: schema,
    empty fields, unknown labels, duplicates and near duplicates, conflicting answers, train/test leakage,
    label imbalance, inputs too long for the model once the prompt is applied, and encoding damage.

    Exits with status 1 when the data has errors (the same ones that stop `tunewise run`)."""
    if target.suffix in (".yaml", ".yml"):
        report = _experiment_report(target)
    else:
        report = _file_report(target, input_field, target_field, task_type, labels)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        print_report(out, str(target), report)
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} error(s) in the data")


def _experiment_report(path: Path) -> QualityReport:
    config = load_experiment(path)
    task, splits = prepare(config)
    return check_data(config, task, splits)


def _file_report(path: Path, input_field: str, target_field: str, task_type: str, labels: str | None) -> QualityReport:
    allowed = [label.strip() for label in labels.split(",")] if labels else None
    task = Task.from_config(TaskConfig(target=target_field, input=input_field, type=task_type, labels=allowed))
    items = task.prepare(load_examples(path))
    return check_quality(Splits(items, [], []), task.labels, privacy=privacy_report({"train": items}))
