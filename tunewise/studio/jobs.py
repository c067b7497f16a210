"""Starting and stopping studio jobs: each job is a worker process of its own (``tunewise.studio.worker``), in a
session of its own so that the web server's exit or a browser's disconnect never takes it down."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

import tunewise.store.process as process
from tunewise.core.home import home
from tunewise.store import Store


def start_job(store: Store, experiment: str, config: dict, slots: int = 1) -> int:
    job_id = store.jobs.submit(experiment, config)
    logs = home() / "studio" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"job-{job_id}.log", "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tunewise.studio.worker", str(job_id), str(slots)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
        )
    store.jobs.spawned(job_id, worker.pid)  # a worker that dies before it claims the job is found dead too
    return job_id


def cancel_job(store: Store, job_id: int) -> None:
    """Ask the job to stop: a queued one never starts, a running one is interrupted; its worker marks it
    cancelled."""
    job = store.jobs.request_cancel(job_id)
    # Only the job's own worker (its pid may have been given to another process since): it leads a session
    # of its own, so the signal reaches whatever it started too.
    if job.status == "running" and job.pid and process.alive(job.pid, job.pid_started):
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile; listing the jobs marks it
            os.killpg(job.pid, signal.SIGTERM)
