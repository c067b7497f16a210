"""executor: processes and dask run an experiment's methods as tasks in worker processes: same results as a
local run, a worker killed mid-task costs only that task (run again; the store stays consistent), and no
process of the cluster talks to anything but 127.0.0.1."""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.errors import ConfigError
from tunewise.decide.load import decision_for
from tunewise.run.config import load_experiment
from tunewise.run.executors.plan import make_groups
from tunewise.run.experiment import run_experiment
from tunewise.store import Store
from tunewise.store.db import DIED

GUARD = Path(__file__).parent / "netguard"


def _experiment(tmp_path: Path, model_dir: Path, data: Path, **extra) -> Path:
    config = {
        "name": "parallel",
        "seed": 0,
        "data": {"path": str(data)},
        "task": {"input": "text", "target": "label", "instruction": "classify the movie review"},
        "model": {"path": str(model_dir), "max_length": 256, "batch_size": 4},
        "stability": {"variants": 0},
        "methods": [
            {"method": "zero_shot"},
            {"method": "few_shot", "k": 2},
            {"method": "lora", "r": 4, "epochs": 1, "batch_size": 4, "checkpoint_every": None},
        ],
        **extra,
    }
    path = tmp_path / "parallel.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _results(store: Store) -> tuple[dict, str | None]:
    runs = store.latest_completed("parallel")
    scores = {run.method_id: run.metrics[run.primary_metric]["value"] for run in runs}
    recommended = decision_for(store, "parallel").recommended
    return scores, recommended.method_id if recommended else None


@pytest.fixture
def network_log(tmp_path, monkeypatch):
    """Every process started meanwhile records non-loopback traffic (tests/netguard/sitecustomize.py)."""
    spec = importlib.util.spec_from_file_location("netguard", GUARD / "sitecustomize.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # this process too
    log, seen = tmp_path / "network.log", tmp_path / "loopback.log"
    monkeypatch.setenv("TUNEWISE_TEST_NETLOG", str(log))
    monkeypatch.setenv("TUNEWISE_TEST_NETSEEN", str(seen))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])))
    return log, seen


def test_groups_keep_timed_sweeps_together_and_dependents_after(tmp_path, tiny_model_dir, sentiment_jsonl):
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl)
    config = load_experiment(
        path,
        [
            "methods="
            + yaml.safe_dump(
                [
                    {"method": "zero_shot"},
                    {"method": "few_shot", "id": "shots", "sweep": {"parameters": {"k": [1, 2, 3]}, "max_minutes": 5}},
                    {"method": "lora", "id": "adapter", "sweep": {"parameters": {"r": [2, 4]}}},
                    {"method": "dpo", "start_from": "adapter(r=2)", "pairs": str(sentiment_jsonl)},
                ],
                default_flow_style=True,
            ).strip()
        ],
    )
    groups = make_groups([(entry, entry.id) for entry in config.entries])
    names = [[entry.id for entry, _ in group.entries] for group in groups]
    assert names[1] == ["shots(k=1)", "shots(k=2)", "shots(k=3)"]  # one clock for the timed sweep
    assert [len(n) for n in names] == [1, 3, 1, 1, 1]  # the untimed sweep's trials run in parallel
    assert groups[-1].after == [2] and all(not g.after for g in groups[:-1])  # dpo waits for adapter(r=2)


def test_executor_section_is_validated(tmp_path, tiny_model_dir, sentiment_jsonl):
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl, executor="dask")
    assert load_experiment(path, ["executor.workers=3"]).executor.workers == 3  # `executor: dask` shorthand
    with pytest.raises(ConfigError, match="local, processes, dask"):
        load_experiment(path, ["executor.kind=ray"])
    with pytest.raises(ConfigError, match="workers must be at least 1"):
        load_experiment(path, ["executor.workers=0"])
    with pytest.raises(ConfigError, match="address is a Dask scheduler's"):
        load_experiment(path, ["executor.kind=processes", "executor.address=tcp://127.0.0.1:8786"])


def test_dask_local_cluster_matches_local_run_on_loopback(
    tmp_path, tiny_model_dir, sentiment_jsonl, monkeypatch, network_log
):
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl)
    monkeypatch.setenv("TUNEWISE_HOME", str(tmp_path / "local-home"))
    local = Store()
    run_experiment(load_experiment(path), local, log=lambda _: None)
    monkeypatch.setenv("TUNEWISE_HOME", str(tmp_path / "dask-home"))
    distributed = Store()
    outcomes = run_experiment(load_experiment(path, ["executor.kind=dask"]), distributed, log=lambda _: None)
    assert [o.status for o in outcomes] == ["completed"] * 3
    assert _results(distributed) == _results(local)
    workers = {run.pid for run, _ in distributed.runs("parallel")}
    assert len(workers) == 2 and os.getpid() not in workers  # both workers ran tasks, the parent none
    log, seen = network_log
    assert not log.exists(), log.read_text()  # nothing but loopback, in the parent and every worker
    assert len({line.split()[0] for line in seen.read_text().splitlines()}) >= 3  # the guard saw them all


def test_dask_workers_share_a_postgresql_store(tmp_path, tiny_model_dir, sentiment_jsonl, monkeypatch, postgres_url):
    monkeypatch.setenv("TUNEWISE_DB_URL", postgres_url)  # the workers inherit it, as a cluster's would be given it
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl)
    outcomes = run_experiment(load_experiment(path, ["executor.kind=dask"]), Store(), log=lambda _: None)
    assert [o.status for o in outcomes] == ["completed"] * 3
    runs = Store(postgres_url).runs("parallel")
    assert sorted(run.method_id for run, _ in runs) == ["few_shot", "lora", "zero_shot"]
    assert len({run.pid for run, _ in runs}) == 2 and all(run.status == "completed" for run, _ in runs)


@pytest.mark.parametrize("kind", ["dask", "processes"])
def test_worker_killed_mid_task_is_run_again(tmp_path, tiny_model_dir, sentiment_jsonl, kind):
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl)
    config = load_experiment(path, [f"executor.kind={kind}", "methods.lora.epochs=4"])
    store = Store()
    killed = []
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_first_training_worker, args=(store, killed, stop), daemon=True)
    watcher.start()
    try:
        outcomes = run_experiment(config, store, log=lambda _: None)
    finally:
        stop.set()
        watcher.join(5)
    assert killed, "the training task finished before it could be killed"
    assert {o.method_id: o.status for o in outcomes} == dict.fromkeys(["zero_shot", "few_shot", "lora"], "completed")
    runs = {run.id: run for run, _ in store.runs("parallel")}
    dead = [run for run in runs.values() if run.pid == killed[0] and run.method_id == "lora"]
    assert [run.status for run in dead] == ["failed"] and DIED in dead[0].error  # marked, not left running
    assert sorted(r.method_id for r in runs.values() if r.status == "completed") == ["few_shot", "lora", "zero_shot"]
    assert not [r for r in runs.values() if r.status == "running"]


def _kill_first_training_worker(store: Store, killed: list, stop: threading.Event) -> None:
    """Kill the worker process of the lora run once it has logged a training step."""
    deadline = time.monotonic() + 300
    while not stop.is_set() and time.monotonic() < deadline:
        for run, _ in store.runs("parallel"):
            if run.method_id == "lora" and run.status == "running" and store.step_metrics(run.id):
                os.kill(run.pid, signal.SIGKILL)
                killed.append(run.pid)
                return
        time.sleep(0.05)


def test_cli_executor_options(tmp_path, tiny_model_dir, sentiment_jsonl):
    path = _experiment(tmp_path, tiny_model_dir, sentiment_jsonl)
    runner = CliRunner()
    assert "--executor [local|processes|dask]" in runner.invoke(cli, ["run", "--help"]).output
    refused = runner.invoke(cli, ["run", str(path), "--executor", "ray"])
    assert refused.exit_code == 2 and "'ray' is not one of 'local', 'processes', 'dask'" in refused.output
    refused = runner.invoke(cli, ["run", str(path), "--workers", "0"])
    assert refused.exit_code == 2 and "0 is not in the range x>=1" in refused.output
