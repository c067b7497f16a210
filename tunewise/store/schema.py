"""Tables of the store. Change them only together with a new migration under ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tunewise.core.record import Measurements


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Experiment(Base):
    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    config: Mapped[dict] = mapped_column(JSON)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    method_id: Mapped[str] = mapped_column(String(200))  # the entry's id in the experiment file
    method: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # running | completed | failed
    started_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pid: Mapped[int] = mapped_column(Integer)
    # When that process started (seconds since the epoch): tells it from a later process given the same pid.
    pid_started: Mapped[float | None] = mapped_column(Float, nullable=True)
    hostname: Mapped[str] = mapped_column(String(200))
    environment: Mapped[dict] = mapped_column(JSON)
    code_version: Mapped[str] = mapped_column(String(100))
    split_sizes: Mapped[dict] = mapped_column(JSON)
    metrics: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # test metric -> {value, low, high}
    primary_metric: Mapped[str | None] = mapped_column(String(100), nullable=True)
    measurements: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # a core.record.Measurements
    cost: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    artifact_path: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def measured(self) -> Measurements:
        return Measurements.from_dict(self.measurements)

    @property
    def primary_score(self) -> dict | None:
        """The primary test metric's {value, low, high}, once completed."""
        return (self.metrics or {}).get(self.primary_metric) if self.primary_metric else None


class StepMetric(Base):
    __tablename__ = "step_metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)


class PredictionRow(Base):
    __tablename__ = "predictions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    split: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(Text)
    input: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    prediction: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict] = mapped_column(JSON)


class Job(Base):
    """An experiment the studio runs in a background worker process (``tunewise.studio.worker``)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment: Mapped[str] = mapped_column(String(200), index=True)
    config: Mapped[dict] = mapped_column(JSON)  # the experiment file's data, as the CLI would read it
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued | running | completed | failed | cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid_started: Mapped[float | None] = mapped_column(Float, nullable=True)
    hostname: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobEvent(Base):
    """One progress event of a job; its id is the event stream's id, so a browser resumes after the last it saw."""

    __tablename__ = "job_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    kind: Mapped[str] = mapped_column(String(20))  # log | progress | status
    data: Mapped[dict] = mapped_column(JSON)


class Rating(Base):
    """One blind A/B judgment: two runs' answers to one test input, in the order the rater saw them."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment: Mapped[str] = mapped_column(String(200), index=True)
    rater: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    position: Mapped[int] = mapped_column(Integer)  # the test example's position
    prompt: Mapped[str] = mapped_column(Text)
    left_run: Mapped[int] = mapped_column(Integer)
    right_run: Mapped[int] = mapped_column(Integer)
    left_method: Mapped[str] = mapped_column(String(200))
    right_method: Mapped[str] = mapped_column(String(200))
    left_output: Mapped[str] = mapped_column(Text)
    right_output: Mapped[str] = mapped_column(Text)
    choice: Mapped[str] = mapped_column(String(20))  # left | right | tie | both_bad
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class JudgeCheck(Base):
    """One check of an LLM judge against the experiment's blind human ratings (``tunewise judge``)."""

    __tablename__ = "judge_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    model: Mapped[str] = mapped_column(String(200))
    rubric: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict] = mapped_column(JSON)  # a decide.judge_check.JudgeCheckResult
