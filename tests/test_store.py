import json
import subprocess
import sys

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from tunewise.core.record import Measurements
from tunewise.store import Store
from tunewise.store.db import MIGRATIONS


def start(store, **extra):
    experiment = store.experiment("exp", {"a": 1})
    fields = dict(
        method_id="m",
        method="zero_shot",
        config={},
        fingerprint="f",
        environment={},
        code_version="t",
        split_sizes={"test": 1},
    )
    return store.start_run(experiment, **(fields | extra))


def test_migrations_create_schema(isolated_home):
    store = Store()
    tables = set(inspect(store.engine).get_table_names())
    assert {"experiments", "runs", "step_metrics", "predictions", "alembic_version"} <= tables
    Store()  # opening again is a no-op upgrade


def test_run_lifecycle_and_failure(isolated_home):
    store = Store()
    run_id = start(store)
    store.log_metric(run_id, 1, "loss", 2.5)
    store.log_metric(run_id, 2, "loss", float("nan"))  # a diverged step: left out, the run goes on
    store.fail_run(run_id, "boom")
    run, name = store.run(run_id)
    assert (run.status, run.error, name) == ("failed", "boom", "exp")
    assert [m.value for m in store.step_metrics(run_id)] == [2.5]
    assert store.latest_completed("exp") == []


def test_finish_run_stores_results_and_predictions_together(isolated_home):
    store = Store()
    run_id = start(store)
    prediction = dict(
        split="test", position=0, origin="f:1", input="x", target="a", prediction="a", correct=True, detail={}
    )
    store.finish_run(
        run_id,
        metrics={"accuracy": {"value": 1.0, "low": 1.0, "high": 1.0}},
        primary="accuracy",
        measurements=Measurements(forgetting={"change": 0.1}),
        cost={},
        details={},
        artifact_path="p",
        predictions=[prediction],
    )
    run = store.run(run_id)[0]
    assert run.status == "completed" and run.primary_score == {"value": 1.0, "low": 1.0, "high": 1.0}
    assert run.measured == Measurements(forgetting={"change": 0.1})
    assert [p.prediction for p in store.predictions(run_id)] == ["a"]
    assert store.completed_run(store.experiment("exp", {}), "f").id == run_id


def test_run_of_a_killed_process_is_marked_failed(isolated_home):
    store = Store()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    run_id = start(store)
    with store.session.begin() as s:
        from tunewise.store.schema import Run

        s.get(Run, run_id).pid = int(dead.stdout)
    live_id = start(store)
    reopened = Store()
    assert reopened.run(run_id)[0].status == "failed"
    assert "ended before the run finished" in reopened.run(run_id)[0].error
    assert reopened.run(live_id)[0].status == "running"  # this process is alive


def test_migration_moves_measurements_out_of_the_metrics_of_older_stores(isolated_home):
    """A store written before 0002 kept stability, sweeps... inside ``metrics``; upgrading splits them out."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{isolated_home / 'old.db'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_initial")
        connection.execute(
            text("INSERT INTO experiments (id, name, created_at, config) VALUES (1, 'e', '2026-01-01', '{}')")
        )
        old = {"accuracy": {"value": 0.5, "low": 0.4, "high": 0.6}, "primary": "accuracy", "sweep": {"group": "g"}}
        connection.execute(
            text(
                "INSERT INTO runs (id, experiment_id, method_id, method, config, fingerprint, status, started_at, pid, "
                "hostname, environment, code_version, split_sizes, metrics) VALUES (1, 1, 'm', 'lora', '{}', 'f', "
                "'completed', '2026-01-01', 1, 'h', '{}', 'v', '{}', :metrics)"
            ),
            {"metrics": json.dumps(old)},
        )
    run = Store(url).run(1)[0]
    assert run.metrics == {"accuracy": {"value": 0.5, "low": 0.4, "high": 0.6}}
    assert run.primary_metric == "accuracy" and run.measured.sweep == {"group": "g"}
