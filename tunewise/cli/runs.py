"""`tunewise runs`: what the store holds, and clearing a run stuck as running."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from tunewise.cli.console import out
from tunewise.store import Store


@click.command()
@click.option("--experiment", "-e", help="Only runs of this experiment.")
@click.option("--limit", "-n", default=30, show_default=True, help="How many of the newest runs to list.")
@click.option(
    "--mark-failed",
    type=int,
    metavar="RUN_ID",
    help="Mark run RUN_ID, stuck as running, failed (refused while its process runs on this host).",
)
def runs(experiment: str | None, limit: int, mark_failed: int | None):
    """List runs, newest first.

    A run whose process died is marked failed by the next tunewise command on the same host; --mark-failed
    clears a run started on another host that will never finish."""
    store = Store()
    if mark_failed is not None:
        marked = store.mark_failed(mark_failed, "marked failed by hand (`tunewise runs --mark-failed`)")
        out.print(f"run #{mark_failed} " + ("marked failed" if marked else "had failed already"))
        return
    table = Table("run", "experiment", "method", "status", "started", "primary metric")
    for run_row, name in store.runs(experiment, limit):
        score = run_row.primary_score
        metric = f"{escape(run_row.primary_metric)} {score['value']:.3f}" if score else ""
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
