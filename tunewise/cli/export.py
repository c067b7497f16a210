"""`tunewise export RUN -o DIR`: a run as a folder other tools load, with its prompt program and model card."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from tunewise.cli.console import out
from tunewise.serve.export import FORMATS, export_run
from tunewise.store import Store


@click.command()
@click.argument("run_id", type=int)
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path), help="New folder.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="merged", show_default=True, help="What to write.")
def export(run_id: int, output: Path, fmt: str):
    """Export run RUN_ID: `merged` (one Hugging Face folder plain transformers loads), `adapter` (the PEFT
    adapter, naming its base) or `gguf` (refused: no converter ships in a package registry).

    The folder also holds tunewise_prompt.json (the prompt program that reproduces the run's answers) and
    MODEL_CARD.md."""
    folder = export_run(Store(), run_id, output, fmt)
    out.print(f"exported run #{run_id} ({fmt}) to {escape(str(folder.resolve()))}")
