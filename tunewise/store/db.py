"""The store: SQLAlchemy over SQLite (default) or PostgreSQL, migrated with Alembic on open.

Every write is one transaction, so a crash leaves either the old state or the new one. A run is inserted as
``running`` with its process id and the process's start time; a run whose process has died without finishing
(or whose pid now belongs to another process) is marked ``failed`` the next time the store is opened, so nothing
stays "running" forever. A store that cannot be opened or written says which database and why, in one line.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

import tunewise.store.postgres as postgres
import tunewise.store.process as process
import tunewise.store.sqlite as sqlite
from tunewise.core.errors import TunewiseError
from tunewise.core.home import database_url
from tunewise.core.record import Measurements
from tunewise.store.errors import StoreError, store_errors
from tunewise.store.jobs import Jobs
from tunewise.store.judge_checks import JudgeChecks
from tunewise.store.migrate import MIGRATIONS, upgrade
from tunewise.store.ratings import Ratings
from tunewise.store.schema import Experiment, PredictionRow, Run, StepMetric, now

__all__ = ["MIGRATIONS", "Store", "StoreError"]
DIED = "the process ended before the run finished (killed or crashed)"


class Store:
    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.where, self.engine = _engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", sqlite.on_connect)
        with store_errors(self.where):
            upgrade(self.engine, self.where)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.jobs, self.ratings = Jobs(self), Ratings(self)  # the studio's background jobs and blind ratings
        self.judge_checks = JudgeChecks(self)  # an LLM judge's agreement with those ratings
        try:
            self.reap_dead_runs()
        except StoreError as exc:
            if not exc.readable:
                raise
            # Housekeeping only: a read-only or busy store can still be read, its dead runs shown as running.

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction; the database's complaints (full disk, read-only file) become one StoreError line."""
        with store_errors(self.where), self.session.begin() as s:
            yield s

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with store_errors(self.where), self.session() as s:
            yield s

    # -- experiments and runs ----------------------------------------------------------------------------------
    def experiment(self, name: str, config: dict) -> int:
        """The experiment's id, registering it or updating its configuration."""
        try:
            return self._experiment(name, config)
        except IntegrityError:  # another process registered the same name between our look-up and our insert
            return self._experiment(name, config)

    def _experiment(self, name: str, config: dict) -> int:
        with self._write() as s:
            row = s.scalar(select(Experiment).where(Experiment.name == name))
            if row is None:
                row = Experiment(name=name, config=config)
                s.add(row)
            row.config = config
            s.flush()
            return row.id

    def start_run(self, experiment_id: int, **fields) -> int:
        with self._write() as s:
            run = Run(experiment_id=experiment_id, status="running", **_this_process(), **fields)
            s.add(run)
            s.flush()
            return run.id

    def log_metric(self, run_id: int, step: int, name: str, value: float) -> None:
        """One point of a run's curve. A NaN or infinite value (a diverged loss) is left out: SQLite would store
        NaN as NULL and refuse the row, failing the run over a point its curve can do without."""
        if not math.isfinite(value):
            return
        with self._write() as s:
            s.add(StepMetric(run_id=run_id, step=step, name=name, value=value))

    def finish_run(
        self,
        run_id: int,
        *,
        metrics: dict,
        primary: str,
        measurements: Measurements,
        cost: dict,
        details: dict,
        artifact_path: str,
        predictions: list[dict],
    ) -> None:
        """Results and predictions land together or not at all."""
        with self._write() as s:
            run = s.get(Run, run_id)
            run.metrics, run.primary_metric, run.measurements = metrics, primary, measurements.as_dict()
            run.cost, run.details, run.artifact_path = cost, details, artifact_path
            run.status, run.finished_at = "completed", now()
            s.add_all(PredictionRow(run_id=run_id, **p) for p in predictions)

    def fail_run(self, run_id: int, error: str) -> None:
        with self._write() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "failed", error[:4000], now()

    def reopen_run(self, run_id: int, keep_steps_up_to: int) -> None:
        """Mark a failed run as running again in this process, forgetting step metrics logged after the
        checkpoint it resumes from (training repeats those steps and logs them again)."""
        with self._write() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "running", None, None
            for name, value in _this_process().items():
                setattr(run, name, value)
            s.execute(delete(StepMetric).where(StepMetric.run_id == run_id, StepMetric.step > keep_steps_up_to))

    def reap_dead_runs(self) -> int:
        """Mark ``running`` runs of dead processes on this host as failed; returns how many."""
        host = socket.gethostname()
        with self._write() as s:
            running = s.scalars(select(Run).where(Run.status == "running", Run.hostname == host)).all()
            stale = [run for run in running if not _alive(run)]
            for run in stale:
                run.status, run.finished_at, run.error = "failed", now(), DIED
            return len(stale)

    def mark_failed(self, run_id: int, error: str) -> bool:
        """Mark a run stuck as ``running`` failed; False if it had failed already (opening the store reaps the
        runs of dead processes on this host). Refused while its process still runs on this host."""
        with self._write() as s:
            run = s.get(Run, run_id)
            if run is None:
                raise TunewiseError(f"no run #{run_id}; `tunewise runs` lists them")
            if run.status == "failed":
                return False
            if run.status != "running":
                raise TunewiseError(f"run #{run_id} is {run.status}, not running; there is nothing to mark")
            if run.hostname == socket.gethostname() and _alive(run):
                raise TunewiseError(
                    f"run #{run_id} is still running in process {run.pid} on this host; "
                    f"let it finish, or stop it (kill {run.pid}): the next tunewise command marks it failed"
                )
            run.status, run.error, run.finished_at = "failed", error, now()
            return True

    # -- queries -----------------------------------------------------------------------------------------------
    def completed_run(self, experiment_id: int, fingerprint: str) -> Run | None:
        with self._read() as s:
            query = select(Run).where(
                Run.experiment_id == experiment_id, Run.fingerprint == fingerprint, Run.status == "completed"
            )
            return s.scalars(query.order_by(Run.id.desc())).first()

    def runs(self, experiment: str | None = None, limit: int = 50) -> list[tuple[Run, str]]:
        with self._read() as s:
            query = select(Run, Experiment.name).join(Experiment).order_by(Run.id.desc()).limit(limit)
            if experiment:
                query = query.where(Experiment.name == experiment)
            return [(run, name) for run, name in s.execute(query)]

    def run(self, run_id: int) -> tuple[Run, str]:
        with self._read() as s:
            row = s.execute(select(Run, Experiment.name).join(Experiment).where(Run.id == run_id)).first()
            if row is None:
                raise TunewiseError(f"no run #{run_id}; `tunewise runs` lists them")
            return row[0], row[1]

    def latest_completed(self, experiment: str) -> list[Run]:
        """The newest completed run of each method entry of an experiment, in the order they were first run."""
        with self._read() as s:
            exp = s.scalar(select(Experiment).where(Experiment.name == experiment))
            if exp is None:
                names = ", ".join(s.scalars(select(Experiment.name))) or "none yet"
                raise TunewiseError(f"no experiment named {experiment!r}; experiments: {names}")
            runs = s.scalars(
                select(Run).where(Run.experiment_id == exp.id, Run.status == "completed").order_by(Run.id)
            ).all()
        latest: dict[str, Run] = {}
        for run in runs:
            latest.pop(run.method_id, None)
            latest[run.method_id] = run
        return sorted(latest.values(), key=lambda r: r.id)

    def experiments(self) -> list[tuple[Experiment, int, int]]:
        """Every experiment, newest first, with its completed and running run counts."""
        with self._read() as s:
            rows = s.execute(select(Experiment).order_by(Experiment.id.desc())).scalars().all()
            counts = s.execute(
                select(Run.experiment_id, Run.status, func.count()).group_by(Run.experiment_id, Run.status)
            )
            tally = {(e, status): n for e, status, n in counts}
        return [(e, tally.get((e.id, "completed"), 0), tally.get((e.id, "running"), 0)) for e in rows]

    def experiment_config(self, experiment: str) -> dict:
        """The configuration the experiment was last run with."""
        with self._read() as s:
            config = s.scalar(select(Experiment.config).where(Experiment.name == experiment))
        if config is None:
            raise TunewiseError(f"no experiment named {experiment!r}; `tunewise runs` lists experiments")
        return config

    def step_metrics(self, run_id: int) -> list[StepMetric]:
        with self._read() as s:
            return s.scalars(select(StepMetric).where(StepMetric.run_id == run_id).order_by(StepMetric.id)).all()

    def predictions(self, run_id: int, split: str = "test") -> list[PredictionRow]:
        with self._read() as s:
            query = select(PredictionRow).where(PredictionRow.run_id == run_id, PredictionRow.split == split)
            return s.scalars(query.order_by(PredictionRow.position)).all()


def _engine(url: str):
    """The engine, and how messages name the store (the URL as given, less its password); a URL that is no
    database URL is a one-line error."""
    try:
        connect = postgres.engine_url(url)
        return sqlite.where(url), create_engine(connect, **postgres.engine_options(connect))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            "TUNEWISE_DB_URL",
            f"cannot use it as a database URL ({str(exc).splitlines()[0]})",
            "set a SQLAlchemy URL such as postgresql://user@host/db (another database needs its driver), or unset it",
        ) from None


def _this_process() -> dict:
    pid = os.getpid()
    return {"pid": pid, "pid_started": process.start_time(pid), "hostname": socket.gethostname()}


def _alive(run: Run) -> bool:
    """Whether the run's process still runs (and is not another process that was given its pid)."""
    return process.alive(run.pid, run.pid_started, not_after=run.started_at.replace(tzinfo=UTC).timestamp())
