"""Sweeps in the decision: of each sweep's trials only the best on *validation* is compared, so the test split
never picks a winner. The one place that says which trial won (the decision and the sweep tables use it)."""

from __future__ import annotations

from collections import defaultdict

from tunewise.store.schema import Run


def sweep_groups(runs: list[Run]) -> dict[str, list[Run]]:
    """Sweep name -> its trials' runs, in run order; runs outside sweeps are left out."""
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        trial = run.measured.sweep
        if trial:
            groups[trial["group"]].append(run)
    return dict(groups)


def sweep_winner(trials: list[Run]) -> Run:
    """The trial with the best validation score; the earliest on ties."""
    return max(trials, key=lambda run: (run.measured.sweep["validation"], -run.id))


def sweep_winners(runs: list[Run]) -> list[tuple[Run, dict | None]]:
    """Each run outside a sweep with None, and each sweep's winner with a summary of its sweep (the number of
    trials and their summed training time)."""
    groups = sweep_groups(runs)
    kept = []
    for run in runs:
        trial = run.measured.sweep
        if not trial:
            kept.append((run, None))
            continue
        trials = groups[trial["group"]]
        if run is sweep_winner(trials):
            summary = {"trials": len(trials), "sweep_train_seconds": sum(r.cost["train_seconds"] for r in trials)}
            kept.append((run, trial | summary))
    return kept
