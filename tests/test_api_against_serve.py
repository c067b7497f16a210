"""The API backend against a real `tunewise serve --model` process on 127.0.0.1: what it scores, generates and
counts through the OpenAI API equals what the same model does in process, and the server's errors arrive as
one-line errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest

from tunewise.core.errors import TunewiseError
from tunewise.models.api import ApiConfig, load_api
from tunewise.models.api.text import as_text, wire

MESSAGES = [
    {"role": "system", "content": "classify the movie review"},
    {"role": "user", "content": "a great film with a wonderful cast"},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tiny_model_dir, tmp_path_factory):
    port = free_port()
    env = os.environ | {"TUNEWISE_HOME": str(tmp_path_factory.mktemp("served-home"))}
    command = [sys.executable, "-m", "tunewise.cli", "serve", "--model", str(tiny_model_dir), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(120):
            if server.poll() is not None:
                pytest.fail(f"tunewise serve exited: {server.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def remote(url: str, model: str, **settings):
    return load_api(ApiConfig(base_url=url, model=model, backoff_s=0.01, cache=False, **settings), max_length=256)


def test_scores_generations_and_counts_match_the_model_in_process(served, tiny_model_dir, tiny_backend):
    api = remote(served, tiny_model_dir.name)
    local_prompt = tiny_backend.render(MESSAGES)
    assert as_text(MESSAGES, "chatml") == local_prompt  # the tiny model's template is ChatML

    labels = ["fresh", "rotten", "a dull and tedious mess"]
    scores = api.score([wire(MESSAGES)], labels)
    assert api.label_mode == "logprobs"
    assert scores == pytest.approx(tiny_backend.score([local_prompt], labels), abs=1e-3)

    assert api.generate([wire(MESSAGES)], 12, ()) == tiny_backend.generate([local_prompt], 12, ())
    before = api.spent.read_tokens
    api.generate([wire(MESSAGES)], 1, ())
    assert api.spent.read_tokens - before == tiny_backend.count_tokens(local_prompt)  # billed: the server's usage
    assert api.work.generated_tokens > 0 and api.spent.read_tokens == api.work.read_tokens

    text = "the plot is clever and the acting superb"
    total, count = api.text_log_likelihood([text])
    expected_total, expected_count = tiny_backend.text_log_likelihood([text])
    assert count == expected_count and total == pytest.approx(expected_total, abs=1e-3)


def test_an_unknown_model_is_a_one_line_error_naming_it(served):
    with pytest.raises(TunewiseError, match=r"HTTP 404: The model 'no-such-model' does not exist"):
        remote(served, "no-such-model", max_retries=3).generate([wire(MESSAGES)], 4, ())


def test_the_official_client_chats_and_streams_with_the_served_base(served, tiny_model_dir):
    client = openai.OpenAI(base_url=served, api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == [tiny_model_dir.name]
    whole = client.chat.completions.create(model=tiny_model_dir.name, messages=MESSAGES, max_tokens=10)
    stream = client.chat.completions.create(model=tiny_model_dir.name, messages=MESSAGES, max_tokens=10, stream=True)
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert streamed == whole.choices[0].message.content and whole.usage.completion_tokens <= 10
