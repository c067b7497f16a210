"""The work of one experiment run cut into tasks for an executor: each task is one method entry, except that
the trials of a sweep with ``max_minutes`` stay together (one clock decides when the sweep stops), and a task
that starts from another entry's run (``METHOD_REF``) waits for the task that makes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tunewise.core.resources import Resources
from tunewise.core.typed import METHOD_REF
from tunewise.methods import METHODS
from tunewise.run.config import ExperimentConfig, MethodEntry, settings_marked
from tunewise.run.method_run import Outcome, run_method
from tunewise.run.sweep import SweepClock
from tunewise.store import Store


@dataclass
class Group:
    """One task: entries (with their fingerprints) run in order by one worker."""

    entries: list[tuple[MethodEntry, str]]
    after: list[int] = field(default_factory=list)  # groups that must finish first (by position in the plan)

    @property
    def resources(self) -> Resources:
        needs = [METHODS.get(entry.method).resources(entry.params) for entry, _ in self.entries]
        return Resources(any(n.gpu for n in needs), max(n.weight_copies for n in needs))

    @property
    def name(self) -> str:
        ids = [entry.id for entry, _ in self.entries]
        return ids[0] if len(ids) == 1 else f"{ids[0]} .. {ids[-1]} ({len(ids)} trials)"


@dataclass
class Plan:
    config: ExperimentConfig
    store: Store
    experiment_id: int
    groups: list[Group]
    log: Callable[[str], None]
    open_session: Callable  # opens this process's session (the local executor's); workers open their own
    last_run_id: int = 0  # the store's newest run when planned: a completed run after it was made by this plan


def make_groups(pending: list[tuple[MethodEntry, str]]) -> list[Group]:
    groups: list[Group] = []
    where: dict[str, int] = {}  # entry id -> its group
    sweeps: dict[str, int] = {}  # sweep with max_minutes -> its group
    for entry, key in pending:
        timed = entry.trial is not None and entry.trial.max_minutes is not None
        if timed and entry.trial.group in sweeps:
            index = sweeps[entry.trial.group]
            groups[index].entries.append((entry, key))
        else:
            index = len(groups)
            groups.append(Group([(entry, key)]))
            if timed:
                sweeps[entry.trial.group] = index
        where[entry.id] = index
        for _, value in settings_marked(entry.params, METHOD_REF):
            made_by = where.get(value)  # None: an entry not run now (completed before, or another file's)
            if made_by is not None and made_by != index and made_by not in groups[index].after:
                groups[index].after.append(made_by)
    return groups


def run_group(session, group: Group, made_after: int | None = None) -> list[Outcome]:
    """What every executor does with one task once it has a session: the entries in order, a sweep's trials
    stopped once its ``max_minutes`` are spent. With ``made_after`` (a run id), an entry completed by a run
    newer than it is not run again: a task Dask runs a second time because the worker holding its result died
    has already stored that result."""
    outcomes, sweeps = [], SweepClock()
    for entry, key in group.entries:
        made = made_after is not None and session.store.completed_run(session.experiment_id, key)
        if made and made.id > made_after:
            outcomes.append(Outcome(entry.id, made.id, "completed", "stored by an earlier attempt of this task"))
            continue
        if sweeps.spent(entry.trial):
            session.log(f"{entry.id}: not run, its sweep's max_minutes ({entry.trial.max_minutes:g}) are spent")
            outcomes.append(Outcome(entry.id, None, "skipped", "sweep time budget spent"))
            continue
        with sweeps.timing(entry.trial):
            outcomes.append(run_method(session, entry, key))
    return outcomes
