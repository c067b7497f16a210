"""The CLI end to end on the tiny model: run, skip on re-run, runs/show/compare, one-line errors."""

import json

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.methods import METHODS
from tunewise.store import Store

EXPERIMENT = """\
name: tiny
seed: 1
data:
  path: {data}
  limit: {{test: 8}}
task:
  target: label
  input: text
  instruction: classify the movie review
model:
  path: {model}
  batch_size: 4
budget:
  max_steps: 3
stability: {{variants: 2, examples: 4}}
forgetting: {{texts: 20}}
methods:
  - method: zero_shot
  - method: few_shot
    k: 2
  - method: lora
    r: 2
    batch_size: 4
    eval_every: 2
"""


@pytest.fixture
def experiment(tmp_path, sentiment_jsonl, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "tiny.yaml"
    path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir))
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_run_then_inspect(experiment, tmp_path):
    result = invoke("run", experiment, "--report", tmp_path / "tiny.html")
    assert result.exit_code == 0, result.output
    for expected in ("tiny: test split", "accuracy [95% CI]", "zero_shot", "few_shot", "lora", "n=8 test examples"):
        assert expected in result.stdout
    assert "Recommendation:" in result.stdout and "Only 8 test examples" in result.stdout
    assert "Recommendation:" in (tmp_path / "tiny.html").read_text()
    runs = Store().runs()
    assert [(r.method_id, r.status) for r, _ in runs] == [
        ("lora", "completed"),
        ("few_shot", "completed"),
        ("zero_shot", "completed"),
    ]
    lora = runs[0][0]
    assert lora.cost["trainable_params"] > 0 and lora.details["training"]["steps"] == 3
    assert lora.cost["build_flops"] > 0 and 0 < lora.cost["latency_p50_ms"] <= lora.cost["latency_p95_ms"]
    forgetting = lora.measured.forgetting
    assert forgetting["texts"] == 20 and forgetting["before"] > 1 and forgetting["after"] > 1
    assert "forgetting" not in runs[2][0].metrics and "frozen" in result.stdout
    assert len(Store().predictions(lora.id)) == 8

    shown = invoke("show", lora.id)
    assert "test metrics" in shown.stdout and "validation:" in shown.stdout and "test predictions" in shown.stdout
    assert "data check at the start of this run" in shown.stdout
    as_json = json.loads(invoke("show", lora.id, "--json").stdout)
    assert as_json["method"] == "lora" and as_json["step_metrics"]
    assert "lora" in invoke("compare", "tiny").stdout and "lora" in invoke("compare", experiment).stdout
    assert "completed" in invoke("runs").stdout


def test_rerun_skips_completed_methods_and_force_reruns(experiment):
    invoke("run", experiment, "--set", "methods.lora.r=1")
    again = invoke("run", experiment, "--set", "methods.lora.r=1")
    assert again.exit_code == 0 and again.stderr.count("already completed") == 3
    assert len(Store().runs()) == 3
    changed = invoke("run", experiment, "--set", "methods.few_shot.k=3", "--set", "methods.lora.r=1")
    assert changed.stderr.count("already completed") == 2 and len(Store().runs()) == 4


def test_bad_data_gives_one_line_and_leaves_the_store_untouched(experiment, tmp_path, isolated_home):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": "fresh"}\n{"text": "odd", "label": "meh"}\n')
    text = experiment.read_text().replace("input: text", "input: text\n  labels: [fresh, rotten]")
    text = text.replace(
        next(line for line in text.splitlines() if "path:" in line and "jsonl" in line), f"  path: {bad}"
    )
    experiment.write_text(text)
    result = invoke("run", experiment)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert f"{bad}:2: field 'label': unknown label (got 'meh'); fix: use one of fresh, rotten" in message
    assert not (isolated_home / "tunewise.db").exists() or Store().runs() == []


def test_config_typos_are_all_reported(experiment):
    experiment.write_text(experiment.read_text().replace("seed: 1", "seed: 1\nsede: 2").replace("k: 2", "kk: 2"))
    result = invoke("validate", experiment)
    assert result.exit_code == 1
    assert "2 problem(s)" in result.stderr and "sede: unknown key" in result.stderr
    assert "methods[1].kk: unknown key; allowed keys:" in result.stderr


def test_a_crashing_method_is_marked_failed_and_the_others_finish(experiment, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(METHODS.get("few_shot"), "fit", explode)
    result = invoke("run", experiment)
    assert result.exit_code == 1 and "few_shot (run #2)" in result.stderr
    statuses = {run.method_id: run.status for run, _ in Store().runs()}
    assert statuses == {"zero_shot": "completed", "few_shot": "failed", "lora": "completed"}
    failed = next(run for run, _ in Store().runs() if run.status == "failed")
    assert "simulated crash" in failed.error and "Traceback" in failed.error


def test_validate_reports_sizes(experiment):
    result = invoke("validate", experiment)
    assert result.exit_code == 0 and "'test': 8" in result.stdout and "zero_shot, few_shot, lora" in result.stdout


def test_method_settings_that_do_not_fit_the_data_fail_before_any_work(experiment):
    experiment.write_text(experiment.read_text().replace("k: 2", "k: 500"))
    result = invoke("run", experiment)
    assert result.exit_code == 1
    assert "few_shot k=500 but the training split has" in result.stderr and "loading model" not in result.stderr
    assert Store().runs() == []
