"""The store: SQLAlchemy over SQLite (default) or PostgreSQL, migrated with Alembic on open.

Every write is one transaction, so a crash leaves either the old state or the new one. A run is inserted as
``running`` with its process id; a run whose process has died without finishing is marked ``failed`` the next
time the store is opened, so nothing stays "running" forever.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.orm import sessionmaker

from tunewise.core.errors import TunewiseError
from tunewise.core.home import database_url
from tunewise.core.record import Measurements
from tunewise.store.schema import Experiment, PredictionRow, Run, StepMetric, now

MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._upgrade()
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.reap_dead_runs()

    def _upgrade(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    # -- experiments and runs ----------------------------------------------------------------------------------
    def experiment(self, name: str, config: dict) -> int:
        with self.session.begin() as s:
            row = s.scalar(select(Experiment).where(Experiment.name == name))
            if row is None:
                row = Experiment(name=name, config=config)
                s.add(row)
            row.config = config
            s.flush()
            return row.id

    def start_run(self, experiment_id: int, **fields) -> int:
        with self.session.begin() as s:
            run = Run(
                experiment_id=experiment_id, status="running", pid=os.getpid(), hostname=socket.gethostname(), **fields
            )
            s.add(run)
            s.flush()
            return run.id

    def log_metric(self, run_id: int, step: int, name: str, value: float) -> None:
        with self.session.begin() as s:
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
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            run.metrics, run.primary_metric, run.measurements = metrics, primary, measurements.as_dict()
            run.cost, run.details, run.artifact_path = cost, details, artifact_path
            run.status, run.finished_at = "completed", now()
            s.add_all(PredictionRow(run_id=run_id, **p) for p in predictions)

    def fail_run(self, run_id: int, error: str) -> None:
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "failed", error[:4000], now()

    def reopen_run(self, run_id: int, keep_steps_up_to: int) -> None:
        """Mark a failed run as running again in this process, forgetting step metrics logged after the
        checkpoint it resumes from (training repeats those steps and logs them again)."""
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            run.status, run.error, run.finished_at = "running", None, None
            run.pid, run.hostname = os.getpid(), socket.gethostname()
            s.execute(delete(StepMetric).where(StepMetric.run_id == run_id, StepMetric.step > keep_steps_up_to))

    def reap_dead_runs(self) -> int:
        """Mark ``running`` runs of dead processes on this host as failed; returns how many."""
        host = socket.gethostname()
        with self.session.begin() as s:
            stale = [
                r
                for r in s.scalars(select(Run).where(Run.status == "running", Run.hostname == host))
                if not _alive(r.pid)
            ]
            for run in stale:
                run.status, run.finished_at = "failed", now()
                run.error = "the process ended before the run finished (killed or crashed)"
            return len(stale)

    # -- queries -----------------------------------------------------------------------------------------------
    def completed_run(self, experiment_id: int, fingerprint: str) -> Run | None:
        with self.session() as s:
            query = select(Run).where(
                Run.experiment_id == experiment_id, Run.fingerprint == fingerprint, Run.status == "completed"
            )
            return s.scalars(query.order_by(Run.id.desc())).first()

    def runs(self, experiment: str | None = None, limit: int = 50) -> list[tuple[Run, str]]:
        with self.session() as s:
            query = select(Run, Experiment.name).join(Experiment).order_by(Run.id.desc()).limit(limit)
            if experiment:
                query = query.where(Experiment.name == experiment)
            return [(run, name) for run, name in s.execute(query)]

    def run(self, run_id: int) -> tuple[Run, str]:
        with self.session() as s:
            row = s.execute(select(Run, Experiment.name).join(Experiment).where(Run.id == run_id)).first()
            if row is None:
                raise TunewiseError(f"no run #{run_id}; `tunewise runs` lists them")
            return row[0], row[1]

    def latest_completed(self, experiment: str) -> list[Run]:
        """The newest completed run of each method entry of an experiment, in the order they were first run."""
        with self.session() as s:
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

    def experiment_config(self, experiment: str) -> dict:
        """The configuration the experiment was last run with."""
        with self.session() as s:
            config = s.scalar(select(Experiment.config).where(Experiment.name == experiment))
        if config is None:
            raise TunewiseError(f"no experiment named {experiment!r}; `tunewise runs` lists experiments")
        return config

    def step_metrics(self, run_id: int) -> list[StepMetric]:
        with self.session() as s:
            return s.scalars(select(StepMetric).where(StepMetric.run_id == run_id).order_by(StepMetric.id)).all()

    def predictions(self, run_id: int, split: str = "test") -> list[PredictionRow]:
        with self.session() as s:
            query = select(PredictionRow).where(PredictionRow.run_id == run_id, PredictionRow.split == split)
            return s.scalars(query.order_by(PredictionRow.position)).all()


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (CLI, UI) do not block the writing run
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
