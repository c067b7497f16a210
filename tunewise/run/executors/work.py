"""What a worker process does with a task: open the experiment's session once (prepare the data, load the base
model, open the shared store) and keep it for every later task of the same experiment run, then run the task's
entries. Results land in the store; the task returns the entries' outcomes."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import torch

from tunewise.run.config import ExperimentConfig
from tunewise.run.data_check import check_data
from tunewise.run.executors.plan import Group, run_group
from tunewise.run.method_run import Outcome
from tunewise.run.prepare import prepare
from tunewise.run.session import Session, open_session
from tunewise.store import Store

_SESSIONS: dict[tuple, Session] = {}  # per worker process: (store, experiment run) -> its open session


@dataclass(frozen=True)
class Assignment:
    """Everything a worker needs, sent with each task (small: the configuration, not the data)."""

    config: ExperimentConfig
    experiment_id: int
    run_key: str  # identifies this run of the experiment, so a worker reuses its session for its tasks only
    store_url: str
    pricing_threads: int  # the threads a local run prices with, so costs match a local run's
    torch_threads: int | None  # threads this worker computes with (None: the worker's default)
    group: Group
    last_run_id: int  # the store's newest run when planned (see ``run_group``)


def run_assignment(assignment: Assignment, *finished_first) -> list[Outcome]:
    """The task function (``finished_first``: the outcomes of the tasks it waited for, unused: the store has
    their runs)."""
    session = _session(assignment)
    # A worker that died mid-task left its run 'running'; it is marked failed before the task runs again.
    session.store.reap_dead_runs()
    return run_group(session, assignment.group, made_after=assignment.last_run_id)


def _session(assignment: Assignment) -> Session:
    key = (assignment.store_url, assignment.run_key)
    if key not in _SESSIONS:
        os.environ["TUNEWISE_PROGRESS"] = "lines"  # workers share the terminal: lines, not live bars
        _SESSIONS.clear()  # a worker keeps one experiment's base model in memory, not every one it served
        if assignment.torch_threads:
            torch.set_num_threads(assignment.torch_threads)
        config = assignment.config
        task, splits = prepare(config)
        quality = check_data(config, task, splits).as_dict()
        store = Store(assignment.store_url)
        session = open_session(config, store, assignment.experiment_id, task, splits, quality, _worker_log)
        session.pricing_threads = assignment.pricing_threads
        _SESSIONS[key] = session
    return _SESSIONS[key]


def _worker_log(message: str) -> None:
    print(f"[worker {os.getpid()}] {message}", file=sys.stderr, flush=True)
