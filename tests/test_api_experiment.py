"""An experiment that compares a model behind an API with a local one: prompt methods on the API model, its
answers distilled into the local model, every run priced, and the API key nowhere but in the request header."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from scripted_api import ScriptedAPI

from tunewise.cli import cli
from tunewise.core.errors import ConfigError, TunewiseError
from tunewise.core.items import Splits
from tunewise.decide.costs import cost_profile
from tunewise.decide.load import decision_for
from tunewise.decide.settings import PriceSheet, TokenPrice
from tunewise.run.config import load_experiment
from tunewise.run.experiment import run_fingerprint
from tunewise.serve.app import create_app
from tunewise.serve.catalog import served_runs
from tunewise.serve.export import export_run
from tunewise.store import Store

SECRET = "sk-test-NEVER-STORED-4242"
EXPERIMENT = """\
name: api
seed: 1
data: {{path: {data}, limit: {{test: 8}}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}, batch_size: 4}}
models:
  strong: {{api: {{base_url: "{url}", model: scripted, api_key_env: SCRIPTED_KEY, backoff_s: 0.01}}}}
prices:
  models: {{scripted: {{input_usd_per_million: 0.15, output_usd_per_million: 0.6}}}}
budget: {{max_steps: 2}}
methods:
  - {{method: zero_shot, id: api_zero_shot, model: strong}}
  - {{method: few_shot, id: api_few_shot, model: strong, k: 2}}
  - {{method: distill, teacher: {{model: strong, k: 0}}, r: 2, batch_size: 4, eval_every: 2}}
  - {{method: zero_shot}}
"""


def write(tmp_path, data, model, url, text=EXPERIMENT):
    path = tmp_path / "api.yaml"
    path.write_text(text.format(data=data, model=model, url=url))
    return path


def test_api_model_methods_run_are_priced_per_token_and_never_store_the_key(
    tmp_path, sentiment_jsonl, tiny_model_dir, monkeypatch, isolated_home
):
    monkeypatch.setenv("SCRIPTED_KEY", SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    with ScriptedAPI() as api:
        path = write(tmp_path, sentiment_jsonl, tiny_model_dir, api.url)
        result = CliRunner().invoke(cli, ["run", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert all(hit["auth"] == f"Bearer {SECRET}" for hit in api.hits)
        sent = len(api.hits)
        again = CliRunner().invoke(cli, ["run", str(path), "--force"], catch_exceptions=False)
        assert again.exit_code == 0, again.output
        # Every answer came from the cache; only latency is measured on real requests (8 per API-model run).
        assert len(api.hits) - sent == 2 * 8
        # The API-model run is served as measured: its prompt program, its labels scored through the API.
        served = served_runs(Store(), "api")
        assert {s.adapted.backend.label_mode for s in served if s.adapted.backend.bills_tokens} == {"logprobs"}
        client = TestClient(create_app(served), base_url="http://127.0.0.1")
        ask = {"model": "api/api_zero_shot", "messages": [{"role": "user", "content": "a superb film"}]}
        reply = client.post("/v1/chat/completions", json=ask)
        assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"] == "fresh"
        refused = client.post("/v1/completions", json={"model": "api/api_zero_shot", "prompt": "x"})
        assert refused.status_code == 400 and "behind an API" in refused.json()["error"]["message"]
    runs = {run.method_id: run for run in Store().latest_completed("api")}
    assert set(runs) == {"api_zero_shot", "api_few_shot", "distill", "zero_shot"}
    api_run = runs["api_zero_shot"]
    assert api_run.cost["bills_tokens"] and api_run.cost["model"] == "scripted"
    assert api_run.cost["device"]["label_scoring"] == "logprobs"
    assert api_run.metrics["accuracy"]["value"] == 1.0  # the scripted model knows praise
    # The distilled student's build paid for the teacher's tokens.
    teacher_work = [w for w in runs["distill"].cost["other_work"] if w["model"] == "scripted"]
    assert teacher_work and teacher_work[0]["bills_tokens"] and teacher_work[0]["read_tokens"] > 0
    # ... but not for checking the teacher on the test split, which is measurement (kept apart, and shown).
    assert runs["distill"].details["teacher"]["test_check_work"]["read_tokens"] > 0
    decision = decision_for(Store(), "api")
    costs = {c.method_id: c.costs for c in decision.candidates}
    assert costs["api_zero_shot"].billing.startswith("scripted tokens at $0.15/$0.6")
    assert costs["api_zero_shot"].usd_per_1k_requests > 0 and costs["api_zero_shot"].build_usd == 0
    assert costs["distill"].build_usd > costs["zero_shot"].build_usd
    with pytest.raises(TunewiseError, match="behind an API: it has no weights to export"):
        export_run(Store(), api_run.id, tmp_path / "export", "merged")
    # The key is in no file tunewise wrote and no output it printed.
    for file in isolated_home.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file
    assert SECRET not in result.output + again.output


def test_base_is_not_a_name_for_a_model(tmp_path, sentiment_jsonl, tiny_model_dir):
    text = EXPERIMENT.replace("  strong: {{api", "  base: {{api")
    with pytest.raises(ConfigError, match="'base' means a method's own base model"):
        load_experiment(write(tmp_path, sentiment_jsonl, tiny_model_dir, "http://127.0.0.1:9/v1", text))


def test_models_are_checked_before_anything_runs(tmp_path, sentiment_jsonl, tiny_model_dir):
    bad = EXPERIMENT.replace("model: strong, k: 2", "model: stronger, k: 2").replace(
        "  - {{method: zero_shot}}\n", "  - {{method: lora, id: api_lora, model: strong}}\n"
    )
    bad = bad.replace(
        "prices:\n  models: {{scripted: {{input_usd_per_million: 0.15, output_usd_per_million: 0.6}}}}\n", ""
    )
    with pytest.raises(ConfigError) as error:
        load_experiment(write(tmp_path, sentiment_jsonl, tiny_model_dir, "http://127.0.0.1:9/v1", bad))
    message = str(error.value)
    assert "methods[1].model: no model 'stronger'" in message and "strong" in message
    assert "lora trains weights, which needs a local model" in message
    assert "no token price for the API model 'scripted'" in message


def test_a_local_model_named_like_a_priced_api_model_is_priced_by_its_compute():
    cost = {
        "train_seconds": 0.0,
        "trainable_params": 0,
        "artifact_bytes": 1,
        "seconds_per_example": 0.36,
        "prompt_tokens_per_request": 1000,
        "read_tokens_per_request": 2000,
        "generated_tokens_per_request": 0,
        "model": "same-name",
    }
    prices = PriceSheet(cpu_hour_usd=1.0, models={"same-name": TokenPrice(1.0, 1.0)})
    assert cost_profile(cost | {"bills_tokens": True}, {}, None, prices).usd_per_1k_requests == pytest.approx(2.0)
    local = cost_profile(cost | {"bills_tokens": False}, {}, None, prices)
    assert local.billing == "measured wall clock" and local.usd_per_1k_requests == pytest.approx(0.1)


def test_a_changed_api_model_runs_its_methods_again(tmp_path, sentiment_jsonl, tiny_model_dir):
    first = load_experiment(write(tmp_path, sentiment_jsonl, tiny_model_dir, "http://127.0.0.1:9/v1"))
    moved = load_experiment(write(tmp_path, sentiment_jsonl, tiny_model_dir, "http://127.0.0.1:10/v1"))
    splits = Splits(train=[], validation=[], test=[])
    faster = load_experiment(
        write(
            tmp_path,
            sentiment_jsonl,
            tiny_model_dir,
            "http://127.0.0.1:9/v1",
            EXPERIMENT.replace("backoff_s: 0.01", "backoff_s: 0.01, max_concurrency: 16, timeout_s: 5"),
        )
    )
    keys = [[run_fingerprint(c, e, splits) for e in c.entries] for c in (first, moved, faster)]
    # The entries that use the API model (as base or teacher) run again; the local zero_shot does not.
    assert [a != b for a, b in zip(keys[0], keys[1], strict=True)] == [True, True, True, False]
    assert keys[0] == keys[2]  # how fast or how often it is asked does not change a result
