"""Costs that give the same answer twice: the same experiment priced on a quiet machine and on one saturated by
other processes. Prices come from counted work and this device's throughput, measured once and cached, so a busy
machine changes the wall clock and the latency, not the price. (How steady the measurement itself is under load
is a benchmark, not a timed test: bench/calibration.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.decide.load import decision_for
from tunewise.store import Store

EXPERIMENT = """\
name: costs
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
budget: {{max_steps: 4}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
  - {{method: few_shot, k: 2}}
  - {{method: lora, r: 2, batch_size: 4, eval_every: 2}}
"""


def priced(path) -> dict:
    result = CliRunner().invoke(cli, ["run", str(path), "--force"])
    assert result.exit_code == 0, result.output
    decision = decision_for(Store(), "costs")
    rows = {c.method_id: (c.costs.usd_per_1k_requests, c.costs.build_usd, c.costs.billing) for c in decision.candidates}
    return {"rows": rows, "recommended": decision.recommended.method_id}


def test_prices_and_the_recommendation_hold_on_a_busy_machine(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "costs.yaml"
    path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir))
    quiet = priced(path)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        busy = priced(path)
    finally:
        for hog in hogs:
            hog.kill()
    assert busy["recommended"] == quiet["recommended"]
    for method, (run_usd, build_usd, billing) in quiet["rows"].items():
        busy_run, busy_build, _ = busy["rows"][method]
        assert billing.startswith("counted work on ")
        assert busy_run == pytest.approx(run_usd, rel=0.10), method
        assert busy_build == pytest.approx(build_usd, rel=0.10, abs=1e-12), method
    latencies = [Store().runs()[i][0].cost["latency_load"] for i in (0, 3)]  # the busy run's and the quiet one's
    assert all(load.startswith("load ") for load in latencies)  # measured figures say what they were taken under
    zero_shot, lora = quiet["rows"]["zero_shot"], quiet["rows"]["lora"]
    assert lora[0] >= zero_shot[0]  # the same base and the same prompt tokens, plus an adapter
    assert lora[1] > 0 and zero_shot[1] == 0  # nothing was built for zero-shot


def test_compare_json_gives_scripts_the_leaderboard_and_the_recommendation(sentiment_jsonl, tiny_model_dir, tmp_path):
    import json

    path = tmp_path / "costs.yaml"
    path.write_text(
        EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir).replace(
            "budget: {max_steps: 4}", "budget: {max_steps: 2}"
        )
    )
    assert CliRunner().invoke(cli, ["run", str(path)]).exit_code == 0
    result = CliRunner().invoke(cli, ["compare", "costs", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {row["method_id"] for row in data["leaderboard"]} == {"zero_shot", "few_shot", "lora"}
    row = data["leaderboard"][0]
    assert {"run", "accuracy", "usd_build", "usd_per_1k_requests", "latency_p95_ms", "device"} <= set(row)
    assert data["recommendation"]["method_id"] in {r["method_id"] for r in data["leaderboard"]}
    assert data["recommendation"]["reasons"] and row["device"] == "cpu"
