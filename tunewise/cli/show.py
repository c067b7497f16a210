"""`tunewise show RUN`: one run in full (its method's own details included, so this loads the methods)."""

from __future__ import annotations

import json

import click

from tunewise.cli.console import out
from tunewise.report.run_details import render_run, run_as_dict
from tunewise.store import Store


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
