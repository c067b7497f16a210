"""The API backend against a real local HTTP server that fails on purpose: retries and backoff, Retry-After,
errors that stop at once, rate limiting, bounded concurrency, the cache, label scoring by logprobs or by a
parsed reply, and token counts from the server's usage."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from scripted_api import ScriptedAPI

from tunewise.core.errors import InputError, TunewiseError
from tunewise.models.api import ApiConfig, load_api
from tunewise.models.api.text import as_text, parse_label, wire
from tunewise.models.hf import Sampling


def backend(api: ScriptedAPI, **settings):
    config = ApiConfig(**({"base_url": api.url, "model": "scripted", "backoff_s": 0.01} | settings))
    return load_api(config, max_length=512)


def chat(text: str) -> str:
    return wire([{"role": "user", "content": text}])


def test_transient_failures_are_retried_with_backoff_and_counted():
    with ScriptedAPI() as api:
        api.fail(503, times=2)
        model = backend(api, cache=False)
        assert model.generate([chat("a good film")], 8, ()) == ["positive"]
        assert model.client.stats.retries == 2 and len(api.hits) == 3


def test_retry_after_is_honoured():
    with ScriptedAPI() as api:
        api.fail(429, retry_after=0.3)
        started = time.perf_counter()
        backend(api, cache=False, backoff_s=0).generate([chat("good")], 8, ())
        assert time.perf_counter() - started >= 0.3
        assert api.hits[1]["at"] - api.hits[0]["at"] >= 0.3


def test_a_bad_request_fails_at_once_with_the_servers_message():
    with ScriptedAPI() as api:
        api.fail(400)
        with pytest.raises(TunewiseError, match="HTTP 400: scripted failure 400"):
            backend(api, cache=False).generate([chat("good")], 8, ())
        assert len(api.hits) == 1


def test_retries_stop_after_max_retries():
    with ScriptedAPI() as api:
        api.fail(500, times=10)
        with pytest.raises(TunewiseError, match="after 3 attempts: HTTP 500"):
            backend(api, cache=False, max_retries=2).generate([chat("good")], 8, ())
        assert len(api.hits) == 3


def test_a_slow_server_times_out_and_is_retried():
    with ScriptedAPI(delay_s=0.5) as api, pytest.raises(TunewiseError, match="after 2 attempts: Timeout"):
        backend(api, cache=False, timeout_s=0.1, max_retries=1).generate([chat("good")], 8, ())


def test_requests_are_spaced_by_the_rate_limit():
    with ScriptedAPI() as api:
        model = backend(api, cache=False, requests_per_minute=600, max_concurrency=4)  # one every 0.1 s
        model.generate([chat(f"good {i}") for i in range(6)], 8, ())
        starts = sorted(hit["at"] for hit in api.hits)
        assert starts[-1] - starts[0] >= 0.45
        assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.08


def test_concurrency_is_bounded_and_answers_keep_their_order():
    with ScriptedAPI(delay_s=0.1) as api:
        model = backend(api, cache=False, max_concurrency=2)
        answers = model.generate([chat("good" if i % 2 else "bad") for i in range(8)], 8, ())
        assert answers == ["negative", "positive"] * 4
        assert api.max_in_flight == 2


def test_the_cache_answers_a_second_run_without_a_request_and_still_counts_its_tokens():
    with ScriptedAPI() as api:
        prompts = [chat("a good film"), chat("a bad film")]
        first = backend(api)
        first.generate(prompts, 8, ())
        sent = len(api.hits)
        second = backend(api)  # a new process would open the same cache file
        assert second.generate(prompts, 8, ()) == ["positive", "negative"]
        assert len(api.hits) == sent
        assert second.work.read_tokens == first.work.read_tokens > 0  # what a request costs, cached or not
        assert second.spent.read_tokens == 0 and second.client.stats.cached == 2
        with second.fresh():  # latency is measured on real requests
            second.generate(prompts[:1], 8, ())
        assert len(api.hits) == sent + 1


def test_labels_are_scored_by_echoed_logprobs_and_usage_counts_every_candidate():
    with ScriptedAPI() as api:
        model = backend(api)
        scores = model.score([chat("a good film"), chat("a bad film")], ["positive", "negative"])
        assert np.argmax(scores, axis=1).tolist() == [0, 1]
        assert model.label_mode == "logprobs"
        echoed = [hit for hit in api.hits if hit["path"].endswith("/completions") and len(hit["body"]["prompt"]) == 2]
        text = as_text([{"role": "user", "content": "a good film"}], "chatml")
        good = [hit["body"] for hit in echoed if hit["body"]["prompt"][0].startswith(text)]  # requests run concurrently
        assert len(echoed) == 2 and len(good) == 1
        assert good[0]["prompt"] == [text + "positive", text + "negative"]
        assert good[0]["max_tokens"] == 0 and good[0]["echo"] is True
        assert model.placement.record()["label_scoring"] == "logprobs"


def test_without_completions_labels_are_read_from_a_chat_reply():
    with ScriptedAPI(completions=False) as api:
        model = backend(api)
        scores = model.score([chat("a good film"), chat("a bad film")], ["positive", "negative"])
        assert np.argmax(scores, axis=1).tolist() == [0, 1]
        assert model.label_mode == "generate" and model.placement.record()["label_scoring"] == "generate"


def test_the_key_comes_from_the_named_variable_and_is_sent_only_as_a_header(monkeypatch):
    monkeypatch.setenv("SCRIPTED_KEY", "sk-test-SECRET-123")
    with ScriptedAPI() as api:
        backend(api, api_key_env="SCRIPTED_KEY").generate([chat("good")], 8, ())
        assert api.hits[0]["auth"] == "Bearer sk-test-SECRET-123"
        assert "SECRET" not in json.dumps(api.hits[0]["body"])
    monkeypatch.delenv("SCRIPTED_KEY")
    with pytest.raises(InputError, match="SCRIPTED_KEY"):
        backend(api, api_key_env="SCRIPTED_KEY")


def test_the_key_itself_in_the_experiment_file_is_refused_without_showing_it():
    with pytest.raises(ValueError, match="never put the key itself") as error:
        ApiConfig(base_url="http://127.0.0.1:1/v1", model="m", api_key_env="sk-abc-123")
    assert "sk-abc" not in str(error.value)
    with pytest.raises(ValueError, match="must not carry credentials"):
        ApiConfig(base_url="https://user:sk-abc@example.com/v1", model="m")


def test_a_failing_probe_is_an_error_not_a_silent_switch_to_reading_replies():
    with ScriptedAPI() as api:
        api.fail(401)
        with pytest.raises(TunewiseError, match="HTTP 401"):
            backend(api).score([chat("good")], ["positive", "negative"])


def test_sampled_answers_are_not_cached_and_each_copy_draws_with_its_own_seed():
    with ScriptedAPI() as api:
        model = backend(api)
        model.generate([chat("good"), chat("good")], 8, (), sampling=Sampling(0.7, 1.0, 5))
        model.generate([chat("good")], 8, (), sampling=Sampling(0.7, 1.0, 5))
        assert sorted(hit["body"]["seed"] for hit in api.hits) == [5, 5, 6]  # two copies: 5 and 6; again: 5
        assert model.client.stats.cached == 0


def test_every_stop_sequence_cuts_though_only_four_are_sent():
    with ScriptedAPI() as api:
        stops = ["x1", "x2", "x3", "x4", "ti"]
        assert backend(api).generate([chat("good")], 8, stops) == ["posi"]
        assert api.hits[0]["body"]["stop"] == stops[:4]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("positive", 0), ("Negative.", 1), ("The review is positive.", 0), ("unsure", None), ("non-negative", 1)],
)
def test_labels_are_parsed_from_free_text(reply, expected):
    assert parse_label(reply, ["positive", "negative"]) == expected
