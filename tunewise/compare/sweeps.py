"""One table per sweep: every trial's settings, validation score (which picks the winner) and test score."""

from __future__ import annotations

from collections import defaultdict

from rich.table import Table

from tunewise.store.schema import Run


def sweep_tables(runs: list[Run]) -> list[Table]:
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.metrics.get("sweep"):
            groups[run.metrics["sweep"]["group"]].append(run)
    return [_table(group, trials) for group, trials in groups.items()]


def _table(group: str, trials: list[Run]) -> Table:
    primary = trials[0].metrics["primary"]
    names = list(trials[0].metrics["sweep"]["params"])
    winner = max(trials, key=lambda r: (r.metrics["sweep"]["validation"], -r.id))
    table = Table(title=f"sweep {group}: {len(trials)} trials", caption="★ best on validation (the one compared)")
    for header in ["trial", *names, "validation", f"test {primary}", "train s", "run"]:
        table.add_column(header, justify="left" if header == "trial" else "right")
    for run in sorted(trials, key=lambda r: r.metrics["sweep"]["number"]):
        trial = run.metrics["sweep"]
        table.add_row(
            f"{trial['number']}/{trial['of']}{' ★' if run is winner else ''}",
            *[str(trial["params"][name]) for name in names],
            f"{trial['validation']:.3f}",
            f"{run.metrics[primary]['value']:.3f}",
            f"{run.cost['train_seconds']:.1f}",
            f"#{run.id}",
            style="bold" if run is winner else None,
        )
    return table
