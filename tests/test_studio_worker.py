"""Studio jobs in real worker processes (``tunewise.studio.worker``) on the tiny model: a job runs with the CLI's
runner and streams progress; Cancel stops a running job as Ctrl-C would (its method stored failed and
resumable) and a queued one before it starts; a worker killed outright is found dead and its job failed."""

from __future__ import annotations

import fcntl
import os
import signal
import time

import pytest

from tunewise.core.home import home
from tunewise.store import Store
from tunewise.store.jobs import WORKER_DIED
from tunewise.studio.jobs import cancel_job, start_job

ROWS = [("a great film", "fresh"), ("superb acting", "fresh"), ("a dull mess", "rotten"), ("far too long", "rotten")]


@pytest.fixture
def experiment(tmp_path, tiny_model_dir):
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(f'{{"text": "{t} {i}", "label": "{y}"}}\n' for i in range(6) for t, y in ROWS))

    def make(*methods: dict) -> dict:
        return {
            "name": "jobs",
            "data": {"path": str(data)},
            "task": {"target": "label", "input": "text"},
            "model": {"path": str(tiny_model_dir)},
            "stability": {"variants": 0},
            "forgetting": {"texts": 0},
            "methods": list(methods),
        }

    return make


def wait_for(condition, seconds: float = 120.0, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def finished(store: Store, job_id: int):
    job = store.jobs.get(job_id)
    return job if job.status in ("completed", "failed", "cancelled") else None


def test_a_job_runs_in_its_own_process_and_streams_its_progress(experiment):
    store = Store()
    job_id = start_job(store, "jobs", experiment({"method": "zero_shot"}))
    job = wait_for(lambda: finished(store, job_id), what="the job to finish")
    assert job.status == "completed" and job.error is None and job.pid != os.getpid()
    events = store.jobs.events_after(job_id, 0)
    assert [e.id for e in events] == sorted(e.id for e in events)
    logs = [e.data["message"] for e in events if e.kind == "log"]
    assert any("zero_shot: accuracy" in line for line in logs)
    progress = [e.data for e in events if e.kind == "progress"]
    assert any(p["desc"] == "zero_shot: test" and p["done"] and p["n"] == p["total"] for p in progress)
    assert events[-1].kind == "status" and events[-1].data["status"] == "completed"
    ((run, _),) = store.runs("jobs")
    assert run.status == "completed" and run.method_id == "zero_shot"


def test_cancel_interrupts_a_running_job_and_leaves_its_run_resumable(experiment):
    store = Store()
    job_id = start_job(store, "jobs", experiment({"method": "lora", "epochs": 500, "eval_every": 1000}))

    def training():
        return any(
            e.kind == "progress" and e.data["desc"] == "lora: training" for e in store.jobs.events_after(job_id, 0)
        )

    wait_for(training, what="training to start")
    cancel_job(store, job_id)
    job = wait_for(lambda: finished(store, job_id), what="the job to stop")
    assert job.status == "cancelled"
    ((run, _),) = store.runs("jobs")
    assert run.status == "failed" and "interrupted" in run.error


def test_cancel_stops_a_queued_job_before_it_starts(experiment):
    store = Store()
    folder = home() / "studio" / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "slot-0.lock", "a") as slot:  # another job holds the only slot
        fcntl.flock(slot, fcntl.LOCK_EX)
        job_id = start_job(store, "jobs", experiment({"method": "zero_shot"}))
        time.sleep(1.0)
        assert store.jobs.get(job_id).status == "queued"
        cancel_job(store, job_id)
        job = wait_for(lambda: finished(store, job_id), what="the queued job to be cancelled")
    assert job.status == "cancelled" and store.runs("jobs") == []


def test_a_killed_worker_is_found_dead_and_its_job_failed(experiment):
    store = Store()
    job_id = start_job(store, "jobs", experiment({"method": "lora", "epochs": 500, "eval_every": 1000}))
    pid = wait_for(lambda: store.jobs.get(job_id).status == "running" and store.jobs.get(job_id).pid, what="a pid")
    os.kill(pid, signal.SIGKILL)
    job = wait_for(lambda: finished(store, job_id), what="the dead worker to be noticed")
    assert job.status == "failed" and job.error == WORKER_DIED
    assert store.jobs.events_after(job_id, 0)[-1].data == {"status": "failed", "error": WORKER_DIED}
