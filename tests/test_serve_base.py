"""`tunewise serve --model`: a plain base model served as it is (its own chat template, nothing added), in process
through `create_app`, and once end to end through a real server process and the official `openai` client, whose
echoed logprobs must equal the model's own token logprobs (what a remote scoring client relies on)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.serve import answer
from tunewise.serve.app import create_app
from tunewise.serve.base_model import DEFAULT_MAX_TOKENS, served_base
from tunewise.serve.schema import Message

CONVERSATION = [
    {"role": "system", "content": "answer briefly"},
    {"role": "user", "content": "what is two plus three"},
    {"role": "assistant", "content": "five"},
    {"role": "user", "content": "a great film with a wonderful cast"},
]
TEXT = "the plot is clever and the acting superb"


@pytest.fixture(scope="module")
def base(tiny_model_dir):
    return served_base(str(tiny_model_dir), device="cpu")


def call(app, *requests: tuple[str, str, dict | None], headers: dict | None = None):
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [await client.request(method, url, json=body, headers=headers) for method, url, body in requests]

    return asyncio.run(go())


def chat(model: str, **fields) -> tuple[str, str, dict]:
    return "POST", "/v1/chat/completions", {"model": model, "messages": CONVERSATION, **fields}


def test_a_base_model_is_listed_under_its_name_with_a_short_card(base, tiny_model_dir):
    name = tiny_model_dir.name
    listed, one, card = call(
        create_app([base]), ("GET", "/v1/models", None), ("GET", f"/v1/models/{name}", None),
        ("GET", f"/v1/models/{name}/card", None),
    )  # fmt: skip
    assert [m["id"] for m in listed.json()["data"]] == [name] == [one.json()["id"]]
    assert one.json()["tunewise"] == {"run": None, "method": "base", "recommended": False, "task": "generation"}
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/markdown")
    assert f"# {name}" in card.text and "Not tuned" in card.text and "machine-generated" in card.text
    assert str(tiny_model_dir) in card.text and "Context served: 512 tokens" in card.text
    # The context defaults to 2048 tokens, lowered to the model's own (the tiny model's 512 positions).
    assert base.adapted.backend.max_length == 512 and answer.reserve(base, None) == DEFAULT_MAX_TOKENS


def test_chat_is_the_clients_messages_through_the_models_template_with_nothing_added(base):
    backend = base.adapted.backend
    prompt = answer.chat_prompt(base, [Message(**m) for m in CONVERSATION], answer.reserve(base, 8))
    assert prompt == backend.render(CONVERSATION)  # no instruction, no demonstration, no system prompt of ours
    (reply,) = call(create_app([base]), chat(base.model_id, max_tokens=8))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    text = body["choices"][0]["message"]["content"]
    assert text == backend.generate([prompt], 8, [])[0]  # greedy at temperature 0, no stop sequence of ours
    assert body["usage"]["prompt_tokens"] == backend.count_tokens(prompt)
    assert body["usage"]["completion_tokens"] == backend.count_tokens(text) <= 8
    assert body["system_fingerprint"].endswith("-base")
    assert reply.headers["x-tunewise-model"] == f"{base.model_id} (base model, untuned)"


def test_max_tokens_stop_n_sampling_and_streaming(base):
    app = create_app([base])
    greedy, limited, too_long, sampled, again, streamed = call(
        app,
        chat(base.model_id, max_tokens=24),
        chat(base.model_id, max_tokens=2),
        chat(base.model_id, max_tokens=512),
        chat(base.model_id, max_tokens=12, n=3, temperature=1.5, seed=7),
        chat(base.model_id, max_tokens=12, n=3, temperature=1.5, seed=7),
        chat(base.model_id, max_tokens=24, stream=True),
    )
    whole = greedy.json()["choices"][0]["message"]["content"]
    assert len(whole) > 4, "the tiny model answered too little to test stop sequences"
    short = limited.json()["choices"][0]
    assert short["finish_reason"] == "length" and limited.json()["usage"]["completion_tokens"] <= 2
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "context_length_exceeded"
    draws = [c["message"]["content"] for c in sampled.json()["choices"]]
    assert len(draws) == 3 and draws == [c["message"]["content"] for c in again.json()["choices"]]  # seeded
    events = [line.removeprefix("data: ") for line in streamed.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1]) == whole
    # The random tiny model answers greedily in newlines only; a seeded draw gives text to stop in (a stop
    # sequence without a newline, which cannot match across the prompt's last "\n").
    draw = dict(max_tokens=24, temperature=1.5, seed=11)
    (free,) = call(app, chat(base.model_id, **draw))
    text = free.json()["choices"][0]["message"]["content"]
    stop = next(text[i : i + 2] for i in range(1, len(text) - 1) if "\n" not in text[i : i + 2])
    (stopped,) = call(app, chat(base.model_id, **draw, stop=stop))
    assert stopped.json()["choices"][0]["message"]["content"] == text[: text.index(stop)]


def test_echoed_logprobs_score_every_prompt_token_as_the_model_does(base, tiny_backend):
    backend = base.adapted.backend
    body = {"model": base.model_id, "prompt": TEXT, "max_tokens": 0, "echo": True, "logprobs": 0}
    scored, top, generated = call(
        create_app([base]),
        ("POST", "/v1/completions", body),
        ("POST", "/v1/completions", body | {"logprobs": 2}),
        ("POST", "/v1/completions", {"model": base.model_id, "prompt": TEXT, "max_tokens": 5, "logprobs": 1}),
    )
    assert scored.status_code == 200, scored.text
    out = scored.json()
    choice, expected = out["choices"][0], tiny_backend.token_logprobs(TEXT)
    assert choice["text"] == TEXT and "".join(choice["logprobs"]["tokens"]) == TEXT
    logprobs = choice["logprobs"]["token_logprobs"]
    assert len(logprobs) == backend.count_tokens(TEXT) == out["usage"]["prompt_tokens"] == len(expected)
    assert logprobs[0] is None and expected[0][1] is None
    assert logprobs[1:] == pytest.approx([lp for _, lp, _ in expected[1:]], abs=1e-4)
    assert out["usage"]["completion_tokens"] == 0
    alternatives = top.json()["choices"][0]["logprobs"]["top_logprobs"]
    # two ids that decode alike (byte pieces of one character) share a key, as in the OpenAI format
    assert alternatives[0] is None and all(1 <= len(alt) <= 2 for alt in alternatives[1:])
    made = generated.json()["choices"][0]
    assert made["text"] == backend.generate([TEXT], 5, [])[0]
    assert "".join(made["logprobs"]["tokens"]) == made["text"] and len(made["logprobs"]["tokens"]) <= 5


def test_a_served_base_keeps_the_security_defaults(base):
    (refused,) = call(create_app([base], token="s3cret"), chat(base.model_id, max_tokens=2))
    (allowed,) = call(create_app([base], token="s3cret"), chat(base.model_id, max_tokens=2), headers={
        "Authorization": "Bearer s3cret"
    })  # fmt: skip
    assert refused.status_code == 401 and allowed.status_code == 200
    result = CliRunner().invoke(cli, ["serve", "--model", "x", "--host", "0.0.0.0"], env={"TUNEWISE_TOKEN": ""})
    assert result.exit_code == 1 and "give --token" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a run id or experiment name to serve, or --model NAME_OR_FOLDER (one of them)"),
        (["1", "--model", "smollm2-135m-instruct"], "(one of them)"),
        (["--model", "no-such-model"], "no packaged model of that name; give a Hugging Face model folder or one of:"),
        (["--model", "{tmp}"], "not a Hugging Face model folder (no config.json)"),
        (["--model", "{tiny}", "--max-length", "1024"], "past {name}'s own context of 512 tokens; give --max-len"),
        (["1", "--max-length", "1024"], "--max-length and --device are for --model"),
        (["--model", "{tiny}", "--device", "gpu"], "--device: device 'gpu' is not one of"),
    ],
)
def test_bad_input_is_one_line_naming_the_fix(args, message, tmp_path, tiny_model_dir):
    where = {"tmp": tmp_path, "tiny": tiny_model_dir, "name": tiny_model_dir.name}
    args, message = [a.format(**where) for a in args], message.format(**where)
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 1 and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_end_to_end_the_official_client_chats_scores_and_counts(tiny_model_dir, tiny_backend):
    port = free_port()
    command = [sys.executable, "-m", "tunewise.cli", "serve", "--model", str(tiny_model_dir), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"tunewise serve exited: {server.stderr.read()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 120 s"
            time.sleep(0.25)
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        name = tiny_model_dir.name
        assert [m.id for m in client.models.list()] == [name]

        reply = client.chat.completions.create(model=name, messages=CONVERSATION, max_tokens=6)
        prompt = tiny_backend.render(CONVERSATION)
        assert reply.model == name and reply.choices[0].message.content == tiny_backend.generate([prompt], 6, [])[0]
        assert reply.usage.prompt_tokens == tiny_backend.count_tokens(prompt)
        assert reply.usage.completion_tokens == tiny_backend.count_tokens(reply.choices[0].message.content) <= 6
        assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens

        scored = client.completions.create(model=name, prompt=TEXT, max_tokens=0, echo=True, logprobs=0)
        logprobs, expected = scored.choices[0].logprobs, tiny_backend.token_logprobs(TEXT)
        assert scored.usage.prompt_tokens == len(logprobs.token_logprobs) == len(expected)
        assert "".join(logprobs.tokens) == TEXT and logprobs.token_logprobs[0] is None
        assert logprobs.token_logprobs[1:] == pytest.approx([lp for _, lp, _ in expected[1:]], abs=1e-4)
        assert scored.usage.completion_tokens == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
