"""executor: processes — a pool of local worker processes (the standard library's ProcessPoolExecutor, spawned,
so no worker inherits the parent's threads or open database connections). Each worker opens the experiment's
session once and runs many tasks. A worker that dies breaks the whole pool, so the tasks in flight at that
moment are all run again on a new pool (up to ``retries`` times each); Dask loses only the dead worker's task."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing

import torch

from tunewise.core.progress import progress
from tunewise.run.executors.assign import assignments, check_gpus
from tunewise.run.executors.plan import Plan
from tunewise.run.executors.work import run_assignment
from tunewise.run.method_run import Outcome

DIED = "its worker process died {} time(s) (killed, or out of memory)"


def run_processes(plan: Plan) -> list[Outcome]:
    settings = plan.config.executor
    check_gpus(plan, torch.cuda.device_count(), "this machine")
    threads = settings.threads_per_worker(os.cpu_count() or 1)
    tasks = assignments(plan, torch_threads=threads)
    done: dict[int, list[Outcome]] = {}
    deaths = [0] * len(tasks)
    plan.log(f"executor: {len(tasks)} task(s) on {settings.workers} local worker processes, {threads} thread(s) each")
    with closing(progress(total=len(tasks), desc="executor: tasks done", unit="task")) as bar:
        while len(done) < len(tasks):
            in_flight = _run_pool(plan, tasks, done, settings.workers, bar)
            for index in in_flight:  # the pool broke: these were running when a worker died
                deaths[index] += 1
                if deaths[index] > settings.retries:
                    done[index] = _lost(plan, index, deaths[index])
                    bar.update(1)
                else:
                    plan.log(f"{plan.groups[index].name}: its worker died; running it again")
    plan.store.reap_dead_runs()  # the runs dead workers left 'running' are marked failed
    return [outcome for index in range(len(tasks)) for outcome in done[index]]


def _run_pool(plan: Plan, tasks, done: dict[int, list[Outcome]], workers: int, bar) -> list[int]:
    """Run what is not done until all is, or the pool breaks (then: the tasks that were in flight)."""
    context = multiprocessing.get_context("spawn")
    running: dict[Future, int] = {}
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        while len(done) < len(tasks):
            for index in _ready(plan, done, set(running.values())):
                running[pool.submit(run_assignment, tasks[index])] = index
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                try:
                    done[index] = future.result()
                except BrokenProcessPool:
                    return [index, *running.values()]
                bar.update(1)
    return []


def _ready(plan: Plan, done: dict, running: set[int]) -> list[int]:
    return [
        index
        for index, group in enumerate(plan.groups)
        if index not in done and index not in running and all(before in done for before in group.after)
    ]


def _lost(plan: Plan, index: int, deaths: int) -> list[Outcome]:
    message = DIED.format(deaths)
    plan.log(f"{plan.groups[index].name}: not run again, {message}")
    return [Outcome(entry.id, None, "failed", message) for entry, _ in plan.groups[index].entries]
