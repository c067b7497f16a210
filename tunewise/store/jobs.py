"""Jobs: experiments the studio runs in background worker processes, and their progress events.

The web server only writes a job and starts a worker; the worker claims it, runs it and appends events. Events
are rows with increasing ids, so a page that lost its connection asks for the events after the last id it saw,
and a page opened later replays the job from the start. A job whose worker died is marked failed when the jobs
are next listed, as dead runs are when the store opens.
"""

from __future__ import annotations

import socket
from datetime import UTC

from sqlalchemy import select, update

import tunewise.store.process as process
from tunewise.core.errors import TunewiseError
from tunewise.store.schema import Job, JobEvent, now

FINISHED = ("completed", "failed", "cancelled")
WORKER_DIED = "the worker process ended before the job finished (killed or crashed)"


class Jobs:
    def __init__(self, store):
        self.store = store

    def submit(self, experiment: str, config: dict) -> int:
        with self.store._write() as s:
            job = Job(experiment=experiment, config=config, status="queued")
            s.add(job)
            s.flush()
            return job.id

    def claim(self, job_id: int, pid: int) -> bool:
        """The worker's claim: a queued job becomes running in process ``pid``, unless its cancel was asked
        for (False). Claim and cancel are each one transaction, so a cancel either sees the job running with
        its pid (and signals it) or is seen here."""
        with self.store._write() as s:
            job = s.get(Job, job_id)
            if job is None or job.status != "queued":
                raise TunewiseError(f"job #{job_id} is {job.status if job else 'unknown'}, not queued")
            if job.cancel_requested:
                return False
            job.status, job.started_at, job.pid = "running", now(), pid
            job.pid_started, job.hostname = process.start_time(pid), socket.gethostname()
            return True

    def finish(self, job_id: int, status: str, error: str | None = None) -> None:
        with self.store._write() as s:
            job = s.get(Job, job_id)
            if job.status not in FINISHED:
                job.status, job.finished_at, job.error = status, now(), error and error[:4000]
                s.add(JobEvent(job_id=job_id, kind="status", data={"status": status, "error": job.error}))

    def request_cancel(self, job_id: int) -> Job:
        """Mark the job for cancelling; returns it as it is now (a running job's worker must be signalled)."""
        with self.store._write() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise TunewiseError(f"no job #{job_id}")
            if job.status in FINISHED:
                raise TunewiseError(f"job #{job_id} has already {job.status}; there is nothing to cancel")
            job.cancel_requested = True
            return job

    def event(self, job_id: int, kind: str, data: dict) -> None:
        with self.store._write() as s:
            s.add(JobEvent(job_id=job_id, kind=kind, data=data))

    def events_after(self, job_id: int, after: int, limit: int = 500) -> list[JobEvent]:
        with self.store._read() as s:
            query = select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.id > after).order_by(JobEvent.id)
            return s.scalars(query.limit(limit)).all()

    def get(self, job_id: int) -> Job:
        with self.store._read() as s:
            job = s.get(Job, job_id)
        if job is None:
            raise TunewiseError(f"no job #{job_id}")
        return self._reaped(job)

    def list(self, experiment: str | None = None, limit: int = 100) -> list[Job]:
        with self.store._read() as s:
            query = select(Job).order_by(Job.id.desc()).limit(limit)
            if experiment:
                query = query.where(Job.experiment == experiment)
            jobs = s.scalars(query).all()
        return [self._reaped(job) for job in jobs]

    def _reaped(self, job: Job) -> Job:
        """A running job whose worker died on this host is failed (and so is what its process left running)."""
        if job.status != "running" or job.hostname != socket.gethostname():
            return job
        started = job.started_at.replace(tzinfo=UTC).timestamp() if job.started_at else None
        if process.alive(job.pid, job.pid_started, not_after=started):
            return job
        with self.store._write() as s:
            s.execute(update(Job).where(Job.id == job.id, Job.status == "running").values(status="failed"))
            row = s.get(Job, job.id)
            row.finished_at, row.error = row.finished_at or now(), row.error or WORKER_DIED
            s.add(JobEvent(job_id=job.id, kind="status", data={"status": "failed", "error": row.error}))
        self.store.reap_dead_runs()
        return self.get(job.id)
