"""The store shared by several processes at once, on SQLite and on a real PostgreSQL server (issue 18).

The same tests run on both: four processes open one new store together (so their migrations race), register
the same experiment and write runs with predictions and step metrics; four workers race to claim one queue of
jobs. Then every store operation once on each database, and what only PostgreSQL can do wrong (a read-only
server, a connection it closed, a name longer than its column, another program's tables).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import traceback

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import select, text

import tunewise.store.migrate as migrate
import tunewise.store.postgres as postgres
from tunewise.cli import cli
from tunewise.core.errors import TunewiseError
from tunewise.core.record import Measurements
from tunewise.store import Store, StoreError
from tunewise.store.db import MIGRATIONS
from tunewise.store.schema import Job

WORKERS = 4
RUNS = 15  # per worker
STEPS = 3
PREDICTIONS = 5
JOBS = 40
CANCELLED = 3  # of the jobs: asked to cancel before any claim, so no worker may claim them
EXPERIMENT = "shared"
WAIT = 120  # seconds: far beyond what a worker needs, so only a hang fails on it
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """A new, empty store: a SQLite file, or a database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


# -- processes working together --------------------------------------------------------------------------------
def together(work, url: str, *args) -> list:
    """``work(url, index, barrier, *args)`` in WORKERS spawned processes (fresh interpreters, as separate
    commands would be); the barrier lets them start the contended part at the same moment. Their results, by
    index; a worker's traceback fails the test."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [
        context.Process(target=_worker, args=(work, url, index, barrier, results, *args)) for index in range(WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = dict(results.get(timeout=WAIT) for _ in processes)
    finally:
        for process in processes:
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
    failures = [outcome for outcome in outcomes.values() if isinstance(outcome, str)]
    assert not failures, "\n".join(failures)
    return [outcomes[index] for index in range(WORKERS)]


def _worker(work, url, index, barrier, results, *args) -> None:
    try:
        results.put((index, work(url, index, barrier, *args)))
    except BaseException:  # the parent shows it; the child's own stderr may be lost
        results.put((index, f"worker {index}:\n{traceback.format_exc()}"))


def write_runs(url: str, index: int, barrier) -> dict:
    """Open the new store at the same moment as the others, then write RUNS runs of the shared experiment."""
    migrated = []
    upgrade = migrate.command.upgrade

    def counted(*args, **kwargs):  # how many of the processes migrated: exactly one may
        migrated.append(True)
        return upgrade(*args, **kwargs)

    migrate.command.upgrade = counted
    barrier.wait(timeout=WAIT)
    store = Store(url)
    experiment = store.experiment(EXPERIMENT, {"written_by": "all"})
    runs = [_one_run(store, experiment, index, number) for number in range(RUNS)]
    return {"migrated": len(migrated), "experiment": experiment, "runs": runs}


def _one_run(store: Store, experiment: int, worker: int, number: int) -> int:
    tag = f"w{worker}r{number}"  # every row the run writes carries it, so the parent can tell whose a row is
    run_id = store.start_run(
        experiment,
        method_id=tag,
        method="zero_shot",
        config={"worker": worker, "number": number},
        fingerprint=tag,
        environment={},
        code_version="test",
        split_sizes={"test": PREDICTIONS},
    )
    for step in range(STEPS):
        store.log_metric(run_id, step, "loss", worker * 1000 + number + step / 10)
    store.finish_run(
        run_id,
        metrics={"accuracy": {"value": 0.5, "low": 0.25, "high": 0.75}},
        primary="accuracy",
        measurements=Measurements(),
        cost={},
        details={"tag": tag},
        artifact_path=f"/runs/{tag}",
        predictions=[_prediction(tag, position) for position in range(PREDICTIONS)],
    )
    return run_id


def _prediction(tag: str, position: int) -> dict:
    return dict(
        split="test",
        position=position,
        origin=f"{tag}:{position}",
        input=f"{tag} input {position}",
        target="a",
        prediction="a" if position % 2 else "b",
        correct=bool(position % 2),
        detail={"tag": tag},
    )


def claim_jobs(url: str, index: int, barrier, job_ids: list[int]) -> dict:
    """Open the store, then, together with the others, try to claim every job (each worker in its own order)."""
    store = Store(url)
    order = random.Random(index).sample(job_ids, len(job_ids))
    claimed, refused = [], []
    barrier.wait(timeout=WAIT)
    for job_id in order:
        try:
            if store.jobs.claim(job_id, os.getpid()):
                claimed.append(job_id)
            else:
                refused.append(job_id)  # its cancel was asked for
        except TunewiseError:  # another worker claimed it first
            pass
    return {"pid": os.getpid(), "claimed": claimed, "refused": refused}


def test_processes_opening_a_new_store_together_migrate_it_once_and_lose_no_row(url):
    results = together(write_runs, url)
    assert sum(result["migrated"] for result in results) == 1
    assert len({result["experiment"] for result in results}) == 1
    written = [run_id for result in results for run_id in result["runs"]]
    assert len(written) == len(set(written)) == WORKERS * RUNS
    store = Store(url)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]
    [(experiment, completed, running)] = store.experiments()
    assert (experiment.name, completed, running) == (EXPERIMENT, WORKERS * RUNS, 0)
    runs = store.runs(EXPERIMENT, limit=1000)
    assert sorted(run.id for run, _ in runs) == sorted(written)
    for run, _ in runs:
        _assert_complete(store, run)


def _assert_complete(store: Store, run) -> None:
    """The run is completed, and its predictions and step metrics are all there, and all its own."""
    worker, number = run.config["worker"], run.config["number"]
    tag = f"w{worker}r{number}"
    assert (run.status, run.method_id, run.details, run.artifact_path) == (
        "completed",
        tag,
        {"tag": tag},
        f"/runs/{tag}",
    )
    predictions = store.predictions(run.id)
    assert [(p.run_id, p.position, p.input, p.correct) for p in predictions] == [
        (run.id, i, f"{tag} input {i}", bool(i % 2)) for i in range(PREDICTIONS)
    ]
    assert all(p.detail == {"tag": tag} for p in predictions)
    metrics = [(m.run_id, m.step, m.value) for m in store.step_metrics(run.id)]
    assert metrics == [(run.id, step, worker * 1000 + number + step / 10) for step in range(STEPS)]


def test_workers_racing_for_a_queue_claim_each_job_exactly_once(url):
    store = Store(url)
    job_ids = [store.jobs.submit("queue", {"n": n}) for n in range(JOBS)]
    cancelled = set(job_ids[:CANCELLED])
    for job_id in cancelled:
        store.jobs.request_cancel(job_id)
    results = together(claim_jobs, url, job_ids)
    claims = [job_id for result in results for job_id in result["claimed"]]
    assert len(claims) == len(set(claims)) == JOBS - CANCELLED
    assert set(claims) == set(job_ids) - cancelled
    assert all(set(result["refused"]) == cancelled for result in results)
    claimer = {job_id: result["pid"] for result in results for job_id in result["claimed"]}
    with store.session() as s:  # read the rows as left: Jobs.get would reap them, their workers having exited
        rows = {job.id: job for job in s.scalars(select(Job))}
    for job_id in set(job_ids) - cancelled:
        assert (rows[job_id].status, rows[job_id].pid) == ("running", claimer[job_id])
    assert all(rows[job_id].status == "queued" and rows[job_id].cancel_requested for job_id in cancelled)


# -- every operation, once, on each database ---------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")


def _start(store: Store, experiment: int, **extra) -> int:
    fields = dict(method_id="m", method="zero_shot", config={}, fingerprint="f", environment={}, code_version="t")
    return store.start_run(experiment, **(fields | {"split_sizes": {"test": 2}} | extra))


def _dead_pid() -> int:
    child = multiprocessing.get_context("spawn").Process(target=os.getpid)
    child.start()
    child.join()
    return child.pid


def test_runs_and_their_results_round_trip(url):
    """What SQLite keeps, PostgreSQL gives back the same: NaN and infinities in JSON, booleans, naive UTC times."""
    store = Store(url)
    config = {"task": {"labels": ["fresh", "rotten"]}, "note": "ünïcode ✓", "weights": [0.5, None, NAN]}
    experiment = store.experiment("exp", {"old": True})
    assert store.experiment("exp", config) == experiment
    assert _same(store.experiment_config("exp"), config)
    run_id = _start(store, experiment)
    store.log_metric(run_id, 1, "loss", 2.5)
    scores = {"scores": [0.9, -INF]}
    predictions = [_prediction("t", 0) | {"detail": scores}, _prediction("t", 1) | {"detail": scores}]
    store.finish_run(
        run_id,
        metrics={"accuracy": {"value": 0.5, "low": NAN, "high": INF}},
        primary="accuracy",
        measurements=Measurements(forgetting={"change": -0.1}),
        cost={"throughput_per_s": INF},
        details={"kappa": NAN},
        artifact_path="/a",
        predictions=predictions,
    )
    run, name = Store(url).run(run_id)
    assert (name, run.status, run.primary_metric) == ("exp", "completed", "accuracy")
    assert _same(run.primary_score, {"value": 0.5, "low": NAN, "high": INF})
    assert run.cost == {"throughput_per_s": INF} and _same(run.details, {"kappa": NAN})
    assert run.measured == Measurements(forgetting={"change": -0.1})
    assert run.started_at.tzinfo is None and run.started_at <= run.finished_at
    got = store.predictions(run_id)
    assert [(p.prediction, p.correct, p.detail) for p in got] == [("b", False, scores), ("a", True, scores)]
    assert store.predictions(run_id, split="validation") == []
    assert [(m.step, m.value) for m in store.step_metrics(run_id)] == [(1, 2.5)]
    assert store.completed_run(experiment, "f").id == run_id
    assert [r.id for r in store.latest_completed("exp")] == [run_id]
    [(row, completed, running)] = store.experiments()
    assert (row.name, completed, running) == ("exp", 1, 0)


def test_failing_resuming_and_reaping_runs(url):
    store = Store(url)
    experiment = store.experiment("exp", {})
    failed, dead, elsewhere = (_start(store, experiment, fingerprint=f) for f in ("failed", "dead", "elsewhere"))
    for step in range(4):
        store.log_metric(failed, step, "loss", 1.0)
    store.fail_run(failed, "boom")
    store.reopen_run(failed, keep_steps_up_to=1)
    assert [m.step for m in store.step_metrics(failed)] == [0, 1]
    assert store.run(failed)[0].status == "running" and store.run(failed)[0].error is None
    with store.session.begin() as s:
        s.execute(text("UPDATE runs SET pid = :pid WHERE id = :id"), {"pid": _dead_pid(), "id": dead})
        s.execute(text("UPDATE runs SET hostname = 'another-host' WHERE id = :id"), {"id": elsewhere})
    reopened = Store(url)  # reaps the run whose process died
    assert reopened.run(dead)[0].status == "failed" and "ended before" in reopened.run(dead)[0].error
    assert reopened.run(failed)[0].status == "running"  # this process: alive
    assert reopened.mark_failed(elsewhere, "marked failed by hand") is True
    assert reopened.mark_failed(elsewhere, "again") is False
    assert [run.id for run, _ in reopened.runs("exp")] == [elsewhere, dead, failed]


def test_jobs_ratings_and_judge_checks(url):
    store = Store(url)
    job = store.jobs.submit("exp", {"methods": ["zero_shot"]})
    store.jobs.spawned(job, os.getpid())
    assert store.jobs.claim(job, os.getpid()) is True
    with pytest.raises(TunewiseError, match="is running, not queued"):
        store.jobs.claim(job, os.getpid())
    store.jobs.event(job, "progress", {"done": 1, "of": 2})
    store.jobs.event(job, "log", {"line": "second"})
    events = store.jobs.events_after(job, 0)
    assert [e.data for e in events] == [{"done": 1, "of": 2}, {"line": "second"}]
    assert [e.kind for e in store.jobs.events_after(job, events[0].id)] == ["log"]
    assert store.jobs.finish(job, "completed") is True and store.jobs.finish(job, "failed") is False
    with pytest.raises(TunewiseError, match="already completed"):
        store.jobs.request_cancel(job)
    cancelled = store.jobs.submit("exp", {})
    assert store.jobs.request_cancel(cancelled).cancel_requested is True
    assert store.jobs.claim(cancelled, os.getpid()) is False
    orphan = store.jobs.submit("exp", {})
    store.jobs.spawned(orphan, _dead_pid())
    listed = [(j.id, j.status) for j in store.jobs.list("exp")]
    assert listed == [(orphan, "failed"), (cancelled, "queued"), (job, "completed")]  # the orphan's worker died
    fields = dict(rater="r", position=0, prompt="p", left_run=1, right_run=2, left_method="a", right_method="b")
    fields |= {"left_output": "x", "right_output": "y"}
    rating = store.ratings.add(experiment="exp", choice="both_bad", **fields)
    assert [(r.id, r.choice, r.comment) for r in store.ratings.of("exp")] == [(rating, "both_bad", None)]
    with pytest.raises(ValueError, match="choice must be one of"):
        store.ratings.add(experiment="exp", choice="maybe", **fields)
    store.judge_checks.add("exp", "judge-model", "helpful", {"kappa": NAN, "pairs": 0})
    newest = store.judge_checks.add("exp", "judge-model", "helpful", {"kappa": 0.4, "pairs": 9})
    latest = store.judge_checks.latest("exp")
    assert (latest.id, latest.result) == (newest, {"kappa": 0.4, "pairs": 9})
    assert store.judge_checks.latest("nothing") is None


def _same(got, expected) -> bool:
    """Equal, with NaN equal to NaN (it is never equal to itself)."""
    if isinstance(expected, float) and expected != expected:
        return isinstance(got, float) and got != got
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(_same(got[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(map(_same, got, expected))
    return got == expected


# -- what only PostgreSQL can do wrong --------------------------------------------------------------------------
def test_a_postgresql_url_is_used_as_written(postgres_server, monkeypatch):
    """``postgresql://user@host/db`` (and ``postgres://``) get the psycopg driver tunewise installs; messages
    name the URL as given, without its password."""
    url = postgres_server.database().replace("postgres@", "postgres:s3cret@")  # trust: the password is not checked
    store = Store(url)
    assert store.engine.dialect.driver == "psycopg" and store.where == url.replace("s3cret", "***")
    assert Store(url.replace("postgresql://", "postgres://", 1)).engine.dialect.driver == "psycopg"
    monkeypatch.setenv("TUNEWISE_DB_URL", url)
    _start(store, store.experiment("exp", {}))
    result = CliRunner().invoke(cli, ["runs"])
    assert result.exit_code == 0 and "exp" in result.output and "s3cret" not in result.output, result.output


def test_urls_naming_a_driver_or_another_database_are_left_as_they_are():
    assert postgres.engine_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert postgres.engine_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg2"
    assert postgres.engine_url("sqlite:///x.db").drivername == "sqlite"


def test_a_read_only_postgresql_store_still_lists_but_refuses_writes_in_one_line(postgres_server, postgres_url):
    store = Store(postgres_url)
    dead = _start(store, store.experiment("exp", {}))
    with store.session.begin() as s:  # its process is gone: reaping it on open would need a write
        s.execute(text("UPDATE runs SET pid = :pid WHERE id = :id"), {"pid": _dead_pid(), "id": dead})
    with postgres_server.admin(postgres_url) as admin:  # as a hot standby, or a user granted SELECT only
        admin.execute(f"ALTER DATABASE {postgres_url.rsplit('/', 1)[1]} SET default_transaction_read_only = on")
    read_only = Store(postgres_url)
    assert [run.status for run, _ in read_only.runs()] == ["running"]
    with pytest.raises(StoreError, match="cannot be written") as raised:
        read_only.experiment("another", {})
    assert str(raised.value).startswith(f"store {postgres_url}: ") and "\n" not in str(raised.value)


def test_a_connection_the_server_closed_is_replaced(postgres_server, postgres_url):
    """A restart or an idle timeout closes the pooled connections of a long-lived process (the studio, serve)."""
    store = Store(postgres_url)
    experiment = store.experiment("exp", {})
    with postgres_server.admin(postgres_url) as admin:
        closed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert closed >= 1
    assert store.run(_start(store, experiment))[0].status == "running"


@pytest.mark.parametrize(
    ("name", "why"),
    [("y" * 300, "longer than its column"), ("nul\x00", "cannot hold NUL")],
    ids=["long", "nul"],
)
def test_a_name_postgresql_cannot_keep_is_one_line(postgres_url, name, why):
    """SQLite keeps names of any length, and NUL characters; PostgreSQL refuses both."""
    store = Store(postgres_url)
    with pytest.raises(StoreError, match=why) as raised:
        store.experiment(name, {})
    assert str(raised.value).startswith(f"store {postgres_url}: ") and "\n" not in str(raised.value)
    assert store.experiments() == []


def test_another_programs_postgresql_database_is_refused_and_left_alone(postgres_server, postgres_url):
    with postgres_server.admin(postgres_url) as admin:
        admin.execute("CREATE TABLE users (id serial PRIMARY KEY, email text)")
    with pytest.raises(StoreError, match="not a tunewise store .*users"):
        Store(postgres_url)
    with postgres_server.admin(postgres_url) as admin:
        tables = admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == [("users",)]
