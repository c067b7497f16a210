"""What every command shares: the consoles, progress logging and the `--set` option (kept light: `tunewise runs`
must not wait for torch)."""

from __future__ import annotations

import os

import click
from rich.console import Console
from rich.markup import escape

out = Console()
if not out.is_terminal and "COLUMNS" not in os.environ:  # piped or logged: room for the leaderboard, not 80
    out = Console(width=170)
err = Console(stderr=True)


def log(message: str) -> None:
    """Progress lines of a run, dimmed, on stderr (user text is escaped: rich would read [..] as markup)."""
    err.print(f"[dim]{escape(message)}[/]")


def set_option(help: str = "Override a setting, e.g. --set seed=3 --set methods.lora.r=16 (repeatable)."):
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=help)
