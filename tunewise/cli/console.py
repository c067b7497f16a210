"""What every command shares: the consoles, the `--set` option, and reading an experiment given by name or file."""

from __future__ import annotations

import os

import click
from rich.console import Console
from rich.markup import escape

from tunewise.core.errors import TunewiseError
from tunewise.run.config import ExperimentConfig, load_experiment

out = Console()
if not out.is_terminal and "COLUMNS" not in os.environ:  # piped or logged: room for the leaderboard, not 80
    out = Console(width=170)
err = Console(stderr=True)


def log(message: str) -> None:
    """Progress lines of a run, dimmed, on stderr (user text is escaped: rich would read [..] as markup)."""
    err.print(f"[dim]{escape(message)}[/]")


def set_option(help: str = "Override a setting, e.g. --set seed=3 --set methods.lora.r=16 (repeatable)."):
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=help)


def experiment_arg(experiment: str, overrides: tuple[str, ...]) -> tuple[str, ExperimentConfig | None]:
    """An experiment given by name (stored settings) or by YAML file (its settings, with overrides)."""
    if experiment.endswith((".yaml", ".yml")):
        config = load_experiment(experiment, list(overrides))
        return config.name, config
    if overrides:
        raise TunewiseError("--set needs the experiment's YAML file, not its name")
    return experiment, None
