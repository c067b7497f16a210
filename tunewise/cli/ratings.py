"""`tunewise ratings`: what blind raters preferred, and their judgments as data for preference tuning."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from tunewise.cli.console import out
from tunewise.core.errors import InputError
from tunewise.core.fetch import atomic_write_text
from tunewise.decide.human import HumanRatings
from tunewise.report.human import human_table
from tunewise.report.preference_data import preference_pairs, single_judgments
from tunewise.store import Store

EXPORTS = {  # --export choice -> (the rows, what its lines are, which ratings make none)
    "pairs": (preference_pairs, "preference pairs", "ties, 'both bad' and identical answers make no pair"),
    "judgments": (single_judgments, "judgments", "ties and left/right choices between identical answers make none"),
}
HOW_TO_RATE = "rate answers blind in the studio (`tunewise studio`, then the experiment's blind ratings)"


@click.command()
@click.argument("experiment")
@click.option(
    "--export",
    type=click.Choice(sorted(EXPORTS)),
    help="Write the ratings as JSONL for TRL instead: 'pairs' for DPOTrainer {prompt, chosen, rejected} (left/right "
    "choices only), 'judgments' for KTOTrainer {prompt, completion, label} (ties left out, 'both bad' both false).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="The JSONL file --export writes.")
def ratings(experiment: str, export: str | None, output: Path | None):
    """What blind raters preferred in EXPERIMENT (its name): each method's win rate with a 95% interval and its
    Bradley–Terry rank, from the studio's blind A/B ratings.

    Ratings count under the method id of the runs rated, also for runs since re-run. They are cited beside the
    recommendation (`tunewise compare`), which the metric alone decides.
    """
    if output is not None and export is None:
        raise click.UsageError("-o/--output goes with --export pairs|judgments")
    if export is not None and output is None:
        raise click.UsageError("--export needs -o/--output FILE (a .jsonl file to write)")
    store = Store()
    store.experiment_config(experiment)  # an unknown name fails here, with a pointer to the experiments there are
    rated = store.ratings.of(experiment)
    if export:
        write_export(rated, experiment, export, output)
        return
    human = HumanRatings.from_ratings(rated)
    if human is None:
        out.print(f"no blind ratings between two methods of {escape(experiment)} yet; {HOW_TO_RATE}", soft_wrap=True)
        return
    out.print(human_table(human))


def write_export(rated: list, experiment: str, export: str, path: Path) -> None:
    make_rows, what, why_none = EXPORTS[export]
    if not rated:
        raise click.ClickException(f"{experiment!r} has no blind ratings yet; {HOW_TO_RATE}, then export again")
    rows = make_rows(rated)
    if not rows:
        raise click.ClickException(
            f"none of the {len(rated)} ratings of {experiment!r} makes {what} ({why_none}); nothing written"
        )
    try:
        atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    except OSError as exc:  # a read-only folder, a full disk, a folder where the file should be
        raise InputError(
            f"cannot write the export ({exc.strerror or exc})", file=str(path), fix="pass -o a file you can write"
        ) from None
    out.print(f"wrote {len(rows)} {escape(what)} to {escape(str(path))}", soft_wrap=True)
