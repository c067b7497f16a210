"""Jobs: experiments the studio runs in background worker processes, and their progress events.

The web server only writes a job and starts a worker; the worker claims it, runs it and appends events. Events
are rows with increasing ids, so a page that lost its connection asks for the events after the last id it saw,
and a page opened later replays the job from the start. A job whose worker died is marked failed when the jobs
are next listed, as dead runs are when the store opens.
"""

from __future__ import annotations

import socket

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

    def spawned(self, job_id: int, pid: int) -> None:
        """The worker process started for the job: a queued job whose worker died is then found dead too."""
        with self.store._write() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**_process(pid)))

    def claim(self, job_id: int, pid: int) -> bool:
        """The worker's claim: a queued job becomes running in process ``pid``, unless its cancel was asked
        for (False). Both claim and cancel are one conditional UPDATE each (SQLite starts its write
        transaction at the first write, so a read-then-write could interleave): a cancel either finds the job
        running with its pid (and signals it) or makes this claim fail."""
        with self.store._write() as s:
            claimed = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued", Job.cancel_requested.is_not(True))
                .values(status="running", started_at=now(), **_process(pid))
            ).rowcount
            if claimed:
                return True
            job = s.get(Job, job_id)
            if job is not None and job.status == "queued":
                return False  # its cancel was asked for
            raise TunewiseError(f"job #{job_id} is {job.status if job else 'unknown'}, not queued")

    def finish(self, job_id: int, status: str, error: str | None = None) -> bool:
        """The job's end (once: a job already finished keeps its status); False if it had finished."""
        error = error and error[:4000]
        with self.store._write() as s:
            done = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.not_in(FINISHED))
                .values(status=status, finished_at=now(), error=error)
            ).rowcount
            if done:
                s.add(JobEvent(job_id=job_id, kind="status", data={"status": status, "error": error}))
            return bool(done)

    def request_cancel(self, job_id: int) -> Job:
        """Mark the job for cancelling; returns it as it is now (a running job's worker must be signalled)."""
        with self.store._write() as s:
            marked = s.execute(
                update(Job).where(Job.id == job_id, Job.status.not_in(FINISHED)).values(cancel_requested=True)
            ).rowcount
            job = s.get(Job, job_id)
        if job is None:
            raise TunewiseError(f"no job #{job_id}")
        if not marked:
            raise TunewiseError(f"job #{job_id} has already {job.status}; there is nothing to cancel")
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
        """A queued or running job whose worker died on this host is failed (and so is what it left running)."""
        if job.status in FINISHED or job.pid is None or job.hostname != socket.gethostname():
            return job
        if process.alive(job.pid, job.pid_started):
            return job
        if self.finish(job.id, "failed", WORKER_DIED):
            self.store.reap_dead_runs()
        return self.get(job.id)


def _process(pid: int) -> dict:
    return {"pid": pid, "pid_started": process.start_time(pid), "hostname": socket.gethostname()}
