"""One table per sweep: every trial's settings, validation score (which picks the winner) and test score."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from tunewise.decide.sweeps import sweep_groups, sweep_winner
from tunewise.store.schema import Run


def sweep_tables(runs: list[Run]) -> list[Table]:
    return [_table(group, trials) for group, trials in sweep_groups(runs).items()]


def _table(group: str, trials: list[Run]) -> Table:
    primary = trials[0].primary_metric
    names = list(trials[0].measured.sweep["params"])
    winner = sweep_winner(trials)
    title, caption = f"sweep {escape(group)}: {len(trials)} trials", "★ best on validation (the one compared)"
    table = Table(title=title, caption=caption)
    for header in ["trial", *names, "validation", f"test {primary}", "train s", "run"]:
        table.add_column(header, justify="left" if header == "trial" else "right")
    for run in sorted(trials, key=lambda r: r.measured.sweep["number"]):
        trial = run.measured.sweep
        table.add_row(
            f"{trial['number']}/{trial['of']}{' ★' if run is winner else ''}",
            *[escape(str(trial["params"][name])) for name in names],
            f"{trial['validation']:.3f}",
            f"{run.metrics[primary]['value']:.3f}",
            f"{run.cost['train_seconds']:.1f}",
            f"#{run.id}",
            style="bold" if run is winner else None,
        )
    return table
