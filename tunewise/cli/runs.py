"""`tunewise runs` and `show`: what the store holds."""

from __future__ import annotations

import json

import click
from rich.markup import escape
from rich.table import Table

from tunewise.cli.console import out
from tunewise.report.run_details import render_run, run_as_dict
from tunewise.store import Store


@click.command()
@click.option("--experiment", "-e", help="Only runs of this experiment.")
@click.option("--limit", "-n", default=30, show_default=True, help="How many of the newest runs to list.")
def runs(experiment: str | None, limit: int):
    """List runs, newest first."""
    table = Table("run", "experiment", "method", "status", "started", "primary metric")
    for run_row, name in Store().runs(experiment, limit):
        score = run_row.primary_score
        metric = f"{run_row.primary_metric} {score['value']:.3f}" if score else ""
        status = {"completed": "green", "failed": "red"}.get(run_row.status, "yellow")
        table.add_row(
            f"#{run_row.id}",
            escape(name),
            escape(run_row.method_id),
            f"[{status}]{run_row.status}[/]",
            run_row.started_at.strftime("%Y-%m-%d %H:%M"),
            metric,
        )
    out.print(table)


@click.command()
@click.argument("run_id", type=int)
@click.option("--examples", "-n", default=5, show_default=True, help="How many test predictions to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
def show(run_id: int, examples: int, as_json: bool):
    """Show one run: configuration, metrics, cost, prompt, training curve and predictions."""
    store = Store()
    if as_json:
        click.echo(json.dumps(run_as_dict(store, run_id), indent=2, default=str))
    else:
        render_run(out, store, run_id, examples)
