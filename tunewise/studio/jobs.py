"""Starting and stopping studio jobs: each job is a worker process of its own (``tunewise.studio.worker``), in a
session of its own so that the web server's exit or a browser's disconnect never takes it down."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from tunewise.core.home import home
from tunewise.store import Store


def start_job(store: Store, experiment: str, config: dict, slots: int = 1) -> int:
    job_id = store.jobs.submit(experiment, config)
    logs = home() / "studio" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"job-{job_id}.log", "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "tunewise.studio.worker", str(job_id), str(slots)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
        )
    return job_id


def cancel_job(store: Store, job_id: int) -> None:
    """Ask the job to stop: a queued one never starts, a running one is interrupted; its worker marks it
    cancelled."""
    job = store.jobs.request_cancel(job_id)
    if job.status == "running" and job.pid:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile; listing the jobs marks it
            os.kill(job.pid, signal.SIGTERM)
