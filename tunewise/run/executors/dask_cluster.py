"""executor: dask — each task is a Dask future on a cluster: a LocalCluster of worker processes listening on
127.0.0.1 only (no dashboards), or the scheduler at ``address``. Dask's scheduler orders the tasks (a task
waits for the futures it builds on), places them by resources (GPU, MEMORY) and, when a worker dies, runs its
task again on another (``retries`` deaths at most); nothing of a scheduler is written here."""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack, closing

import dask
import torch
from distributed import Client, LocalCluster, as_completed

from tunewise.core.errors import TunewiseError
from tunewise.core.progress import progress
from tunewise.run.executors.assign import assignments, base_bytes, check_gpus, check_memory, needs
from tunewise.run.executors.plan import Plan
from tunewise.run.executors.work import run_assignment
from tunewise.run.method_run import Outcome

LOOPBACK = "127.0.0.1"


def run_dask(plan: Plan) -> list[Outcome]:
    settings = plan.config.executor
    with ExitStack() as stack:
        # Deaths a task survives: the scheduler's own count, set before a local scheduler starts. Workers are
        # not daemons, so a method may start processes of its own (multi-process training).
        stack.enter_context(
            dask.config.set(
                {"distributed.scheduler.allowed-failures": settings.retries, "distributed.worker.daemon": False}
            )
        )
        client = stack.enter_context(_client(plan, stack))
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        where = settings.address or f"the LocalCluster ({settings.workers} workers)"
        check_gpus(plan, sum(1 for w in workers if w.get("resources", {}).get("GPU")), where)
        wanted = _wanted(plan, workers)
        check_memory(plan, wanted, max((w.get("resources", {}).get("MEMORY", 0) for w in workers), default=0), where)
        threads = None if settings.address else settings.threads_per_worker(os.cpu_count() or 1)
        futures = []
        for index, task in enumerate(assignments(plan, torch_threads=threads)):
            after = [futures[i] for i in plan.groups[index].after]
            futures.append(
                client.submit(
                    run_assignment,
                    task,
                    *after,
                    key=f"tunewise-{plan.experiment_id}-{index}-{task.run_key[:12]}",
                    resources=wanted[index] or None,
                    pure=False,
                )
            )
        plan.log(f"executor: {len(futures)} task(s) on {where}")
        results = _gather(client, futures)
    plan.store.reap_dead_runs()  # the runs dead workers left 'running' are marked failed
    return [outcome for outcomes in results for outcome in outcomes]


def _gather(client: Client, futures: list) -> list[list[Outcome]]:
    """The tasks' outcomes in plan order, a bar counting the finished tasks meanwhile."""
    position = {future.key: index for index, future in enumerate(futures)}
    results: list = [None] * len(futures)
    with closing(progress(total=len(futures), desc="executor: tasks done", unit="task")) as bar:
        for future in as_completed(futures, loop=client.loop):
            results[position[future.key]] = future.result()  # a task's own error is raised here, as in local
            bar.update(1)
    return results


def _client(plan: Plan, stack: ExitStack) -> Client:
    settings = plan.config.executor
    if settings.address:
        try:
            return Client(settings.address, timeout="20s", set_as_default=False)
        except OSError as exc:
            raise TunewiseError(f"cannot reach the Dask scheduler at {settings.address}: {exc}") from None
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=settings.workers,
            threads_per_worker=1,  # one task at a time per worker: torch uses the worker's share of the cores
            processes=True,
            host=LOOPBACK,
            dashboard_address=None,
            worker_dashboard_address=None,
            silence_logs=logging.ERROR,
            resources=_local_resources(settings.workers),
        )
    )
    return Client(cluster, set_as_default=False)


def _local_resources(workers: int) -> dict[str, float]:
    """What each local worker declares: its share of the memory, and the GPU when there is one."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    declared = {"MEMORY": float(memory // workers)}
    if torch.cuda.is_available():
        declared["GPU"] = 1.0  # local workers share the machine's GPU; one GPU each takes a cluster's workers
    return declared


def _wanted(plan: Plan, workers) -> dict[int, dict[str, float]]:
    """Each group's resource requests, limited to what the cluster's workers declare at all (a request for an
    undeclared resource would never be met)."""
    declared = {name for w in workers for name in w.get("resources", {})}
    size = base_bytes(plan.config.model)
    return {
        index: {name: amount for name, amount in needs(group.resources, size).items() if name in declared}
        for index, group in enumerate(plan.groups)
    }
