"""`tunewise compare` and `report`: the leaderboard, the recommendation and the HTML report of an experiment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from rich.markup import escape

from tunewise.cli.console import out, set_option
from tunewise.core.errors import TunewiseError
from tunewise.decide.decision import Decision
from tunewise.decide.load import decision_for
from tunewise.report.as_json import decision_as_dict
from tunewise.report.html import write_report as write_html
from tunewise.report.human import human_table
from tunewise.report.leaderboard import leaderboard_table
from tunewise.report.summary import print_decision
from tunewise.report.sweeps import sweep_tables
from tunewise.run.config import ExperimentConfig, load_experiment
from tunewise.store import Store


@click.command()
@click.argument("experiment")
@set_option(help="Override a setting (YAML file only).")
@click.option("--json", "as_json", is_flag=True, help="Print the leaderboard and the recommendation as JSON.")
def compare(experiment: str, overrides: tuple[str, ...], as_json: bool):
    """Leaderboard and recommendation of EXPERIMENT (its name, or its YAML file).

    Each method's latest completed run, paired tests against the best, and what each costs."""
    name, config = experiment_arg(experiment, overrides)
    if as_json:
        click.echo(json.dumps(decision_as_dict(name, _decision(Store(), name, config)), indent=2))
        return
    print_leaderboard(Store(), name, config, recommendation=True)


@click.command()
@click.argument("experiment")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write [default: NAME.html in this folder, NAME reduced to letters, digits, '.', '-', '_']",
)
@set_option(help="With a YAML file: try other prices or constraints, e.g. --set decision.requests_per_month=1000000.")
def report(experiment: str, output: Path | None, overrides: tuple[str, ...]):
    """Write a self-contained HTML report of EXPERIMENT and print its summary.

    EXPERIMENT is its name or its YAML file. The report opens offline in any browser: the recommendation and
    its reasons, the leaderboard with confidence intervals and paired tests, quality vs cost with the Pareto
    front, break-even volumes, learning curves, stability, confusion matrices, and the test examples on which
    the methods disagree.
    """
    name, config = experiment_arg(experiment, overrides)
    decision = _decision(Store(), name, config)
    print_decision(out, decision)
    write_report(decision, name, output or default_report_path(name))


def print_leaderboard(store: Store, name: str, config: ExperimentConfig | None = None, recommendation=False):
    decision = _decision(store, name, config)
    out.print(leaderboard_table(f"{escape(name)}: test split", decision))
    for table in sweep_tables(store.latest_completed(name)):
        out.print(table)
    if decision.human:
        recommended = decision.recommended.method_id if decision.recommended else None
        out.print(human_table(decision.human, recommended))
    if decision.judge_check:  # `tunewise judge`: whether an LLM judge agrees with those raters
        out.print(escape(decision.judge_check.summary()), soft_wrap=True)
    if recommendation:
        print_decision(out, decision)
    return decision


def write_report(decision: Decision, name: str, path: Path) -> None:
    write_html(decision, name, path)
    out.print(f"report: {escape(str(path.resolve()))}", soft_wrap=True)  # one line a shell can copy


def default_report_path(name: str) -> Path:
    """``NAME.html`` in the working folder, whatever the name holds: an experiment name is free text, and
    '../x' or 'a/b' must not write elsewhere, nor '-x' read as an option or '.x' hide the file."""
    slug = re.sub(r"[^\w.-]+", "_", name)
    slug = re.sub(r"\.{2,}", ".", slug)[:120].strip("._-")
    return Path(f"{slug or 'report'}.html")


def _decision(store: Store, name: str, config: ExperimentConfig | None) -> Decision:
    """Under the stored settings, or under a YAML file's (which may try other prices or constraints)."""
    if config is None:
        return decision_for(store, name)
    return decision_for(store, name, config.decision, config.prices)


def experiment_arg(experiment: str, overrides: tuple[str, ...]) -> tuple[str, ExperimentConfig | None]:
    """An experiment given by name (stored settings) or by YAML file (its settings, with overrides)."""
    if experiment.endswith((".yaml", ".yml")):
        config = load_experiment(experiment, list(overrides))
        return config.name, config
    if overrides:
        raise TunewiseError("--set needs the experiment's YAML file, not its name")
    return experiment, None
