"""`tunewise run`, `resume` and `validate`: the commands that run (or dry-run) an experiment."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from tunewise.cli.compare import print_leaderboard, write_report
from tunewise.cli.console import log, out, set_option
from tunewise.run.config import load_experiment
from tunewise.run.experiment import run_experiment
from tunewise.run.prepare import prepare
from tunewise.run.resume import resume_run
from tunewise.store import Store


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@set_option()
@click.option("--force", is_flag=True, help="Run methods again even if completed with the same configuration.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the HTML report (see `tunewise report`) to this file.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "processes", "dask"]),
    help="Where methods run (the file's `executor:`, default local): one after another here, on a pool of "
    "local processes, or as tasks on a Dask cluster (a LocalCluster on 127.0.0.1 unless executor.address is set).",
)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes for processes/dask (default 2).")
def run(
    experiment: Path,
    overrides: tuple[str, ...],
    force: bool,
    report_path: Path | None,
    executor: str | None,
    workers: int | None,
):
    """Run every method of EXPERIMENT (a YAML file), then print the leaderboard and the recommendation.

    The whole file and the data are validated before any work starts. Methods already completed with the same
    configuration and data are skipped, so re-running an interrupted experiment resumes it. With --executor
    the methods (and sweep trials) run in parallel worker processes, with the same results as a local run.
    """
    chosen = [f"executor.kind={executor}"] * bool(executor) + [f"executor.workers={workers}"] * bool(workers)
    config = load_experiment(experiment, [*overrides, *chosen])
    store = Store()
    outcomes = run_experiment(config, store, force=force, log=log)
    decision = print_leaderboard(store, config.name, config, recommendation=True)
    if report_path:
        write_report(decision, config.name, report_path)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        names = ", ".join(f"{o.method_id} (run #{o.run_id})" for o in failed)
        raise click.ClickException(f"{len(failed)} method(s) failed: {names}; `tunewise show RUN` has the error")


@click.command()
@click.argument("run_id", type=int)
def resume(run_id: int):
    """Continue run RUN_ID of a trained method whose process died from its newest checkpoint.

    A run killed, crashed or out of memory continues from its newest checkpoint (see the method's
    `checkpoint_every`), then is evaluated and stored as usual. The experiment's settings and data must be
    unchanged since the run started.
    """
    store = Store()
    outcome = resume_run(run_id, store, log=log)
    if outcome.status == "failed":
        raise click.ClickException(f"run #{run_id} failed again: {outcome.message}; `tunewise show {run_id}`")
    _, experiment = store.run(run_id)
    print_leaderboard(store, experiment, recommendation=True)


@click.command()
@click.argument("experiments", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@set_option(help="Override a setting (repeatable).")
def validate(experiments: tuple[Path, ...], overrides: tuple[str, ...]):
    """Check experiment files and their data without running anything.

    Every problem found is reported, with its file, line and the fix."""
    for path in experiments:
        config = load_experiment(path, list(overrides))
        task, splits = prepare(config)
        methods = ", ".join(e.id for e in config.entries)
        labels = task.labels or "free text"
        out.print(escape(f"{path}: ok - {splits.sizes()} examples, labels {labels}, methods {methods}"))
        if splits.carved:
            out.print(f"  {escape(splits.carved.message())}")
        if task.input_note():
            out.print(f"  {escape(task.input_note())}")
