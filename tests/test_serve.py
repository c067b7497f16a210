"""`tunewise serve` as a client sees it: the official `openai` client against a real server process on
127.0.0.1, for a prompt-only run and a LoRA run of the tiny model; batching, overload and auth in-process."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request

import httpx
import openai
import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.serve.app import create_app
from tunewise.serve.batcher import Batcher
from tunewise.serve.catalog import served_runs
from tunewise.store import Store

EXPERIMENT = """\
name: served
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
budget: {{max_steps: 2}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
  - {{method: lora, r: 2, batch_size: 4}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def experiment(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "served.yaml"
    path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir))
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def server(experiment):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tunewise.cli", "serve", "served", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read())
            time.sleep(0.2)
    yield openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    process.terminate()
    process.wait(timeout=30)


def test_the_official_client_lists_the_runs_and_gets_their_labels(server):
    models = [m.id for m in server.models.list().data]
    assert set(models) == {"served/zero_shot", "served/lora"}
    for model in models:
        reply = server.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "a great film"}], logprobs=True, top_logprobs=2
        )
        choice = reply.choices[0]
        assert choice.message.content in {"fresh", "rotten"} and choice.finish_reason == "stop"
        scores = {alt.token: alt.logprob for alt in choice.logprobs.content[0].top_logprobs}
        assert set(scores) == {"fresh", "rotten"} and max(scores, key=scores.get) == choice.message.content
        assert reply.usage.prompt_tokens > 0 and reply.model == model


def test_streaming_completions_with_logprobs_and_errors(server):
    chunks = list(
        server.chat.completions.create(
            model="served/lora", messages=[{"role": "user", "content": "a dull mess"}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text in {"fresh", "rotten"} and chunks[-1].choices[0].finish_reason == "stop"
    scored = server.completions.create(
        model="served/zero_shot", prompt="a great film", max_tokens=0, echo=True, logprobs=1
    )
    logprobs = scored.choices[0].logprobs
    assert logprobs.token_logprobs[0] is None and all(lp <= 0 for lp in logprobs.token_logprobs[1:])
    assert "".join(logprobs.tokens) == "a great film"
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        server.chat.completions.create(model="served/nope", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied: frobnicate"):
        server.chat.completions.create(
            model="served/lora", messages=[{"role": "user", "content": "x"}], extra_body={"frobnicate": 1}
        )
    with pytest.raises(openai.BadRequestError, match="last message must come from the user"):
        server.chat.completions.create(model="served/lora", messages=[{"role": "assistant", "content": "x"}])


async def _ask(app, texts, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        calls = [
            client.post(
                "/v1/chat/completions",
                json={"model": "served/lora", "messages": [{"role": "user", "content": t}], "logprobs": True},
                headers=headers,
            )
            for t in texts
        ]
        return await asyncio.gather(*calls)


def test_concurrent_requests_are_batched_and_answered_as_one_at_a_time(experiment):
    served = served_runs(Store(), "served")
    texts = [f"review number {i}: {'great' if i % 2 else 'dull'}" for i in range(16)]
    alone = [asyncio.run(_ask(create_app(served), [t]))[0].json() for t in texts]
    app = create_app(served, batcher=Batcher(window=0.05))
    together = asyncio.run(_ask(app, texts))
    assert [r.status_code for r in together] == [200] * 16
    assert max(app.state.batcher.batches) > 1  # requests shared forward passes
    for one, many in zip(alone, together, strict=True):
        first, second = one["choices"][0], many.json()["choices"][0]
        assert first["message"]["content"] == second["message"]["content"]
        a, b = first["logprobs"]["content"][0]["top_logprobs"], second["logprobs"]["content"][0]["top_logprobs"]
        assert [x["logprob"] for x in a] == pytest.approx([x["logprob"] for x in b], abs=1e-4)


def test_an_overload_gets_429_with_retry_after_and_never_a_5xx(experiment):
    app = create_app(served_runs(Store(), "served"), batcher=Batcher(window=0.2, limit=3, max_batch=1))
    replies = asyncio.run(_ask(app, [f"text {i}" for i in range(12)]))
    codes = [r.status_code for r in replies]
    assert set(codes) == {200, 429} and codes.count(200) >= 3
    refused = next(r for r in replies if r.status_code == 429)
    assert refused.headers["retry-after"] == "1" and refused.json()["error"]["type"] == "rate_limit_exceeded"


def test_a_token_is_required_when_one_is_set_and_to_bind_beyond_loopback(experiment):
    app = create_app(served_runs(Store(), "served"), token="s3cret")
    (refused,) = asyncio.run(_ask(app, ["x"]))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    (allowed,) = asyncio.run(_ask(app, ["x"], token="s3cret"))
    assert allowed.status_code == 200 and allowed.headers["x-tunewise-model"].startswith("served/lora (run #")
    result = CliRunner().invoke(cli, ["serve", "served", "--host", "0.0.0.0"], env={"TUNEWISE_TOKEN": ""})
    assert result.exit_code == 1 and "give --token" in result.output
    body = json.dumps({"model": "served/lora", "messages": [{"role": "user", "content": "x" * (2 << 20)}]})
    big = asyncio.run(_post(create_app(served_runs(Store(), "served")), body))
    assert big.status_code == 413


async def _post(app, body: str):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        return await client.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})


def test_a_generation_run_streams_the_same_text_it_answers_whole(tmp_path, tiny_model_dir):
    rows = [{"question": f"what is {a} plus {b}", "answer": str(a + b)} for a in range(1, 6) for b in range(1, 5)]
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = tmp_path / "sums.yaml"
    path.write_text(
        f"name: sums\ndata: {{path: {data}}}\ntask: {{target: answer, input: question, type: generation, "
        f"max_new_tokens: 6}}\nmodel: {{path: {tiny_model_dir}}}\nstability: {{variants: 0}}\n"
        "methods:\n  - method: zero_shot\n"
    )
    assert CliRunner().invoke(cli, ["run", str(path)]).exit_code == 0
    app = create_app(served_runs(Store(), "sums"))

    async def both():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            body = {"model": "sums/zero_shot", "messages": [{"role": "user", "content": "what is 2 plus 2"}]}
            whole = (await client.post("/v1/chat/completions", json=body)).json()
            streamed = await client.post("/v1/chat/completions", json=body | {"stream": True})
            return whole, streamed.text

    whole, streamed = asyncio.run(both())
    events = [line.removeprefix("data: ") for line in streamed.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == whole["choices"][0]["message"]["content"] and chunks[-1]["choices"][0]["finish_reason"]


def test_each_served_model_has_its_card(experiment):
    app = create_app(served_runs(Store(), "served"))

    async def card():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.get("/v1/models/served/lora/card")

    reply = asyncio.run(card())
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/markdown")
    assert (
        "# served/lora" in reply.text
        and "machine-generated" in reply.text
        and "Compared on the same test" in reply.text
    )


def test_tunewise_chat_answers_a_classification_run_turn_by_turn(experiment):
    lora = next(run for run, _ in Store().runs() if run.method_id == "lora")
    result = CliRunner().invoke(cli, ["chat", str(lora.id)], input="a great film\na dull mess\n\n")
    assert result.exit_code == 0, result.output
    assert "machine-generated" in result.output and result.output.count("log-likelihoods: ") == 2


def test_lora_runs_served_together_share_one_copy_of_the_base_and_answer_as_alone(
    tmp_path, sentiment_jsonl, tiny_model_dir
):
    path = tmp_path / "pair.yaml"
    text = EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir).replace("name: served", "name: pair")
    path.write_text(text + "  - {method: lora, id: lora4, r: 4, batch_size: 4, learning_rate: 0.01}\n")
    assert CliRunner().invoke(cli, ["run", str(path)]).exit_code == 0
    shared = {s.model_id: s for s in served_runs(Store(), "pair", share_base=True)}
    alone = {s.model_id: s for s in served_runs(Store(), "pair")}
    a, b = shared["pair/lora"].adapted.backend, shared["pair/lora4"].adapted.backend
    assert a.model is b.model and a.adapter != b.adapter  # one base copy, two named adapters
    prompts = ["a great film", "a dull mess", "clever plot"]
    for model_id in ("pair/lora", "pair/lora4", "pair/zero_shot"):
        together = shared[model_id].adapted.backend.score(prompts, ["fresh", "rotten"])
        separate = alone[model_id].adapted.backend.score(prompts, ["fresh", "rotten"])
        assert together == pytest.approx(separate, abs=1e-5), model_id
    first = shared["pair/lora"].adapted.backend.score(prompts, ["fresh"])
    second = shared["pair/lora4"].adapted.backend.score(prompts, ["fresh"])
    assert abs(first - second).max() > 1e-6  # the two adapters really differ, so the check above could fail


def test_guards_before_any_route_host_chunked_bodies_and_shapes_clients_send(experiment):
    app = create_app(served_runs(Store(), "served"))

    async def requests():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as client:
            rebound = await client.get("/v1/models")  # a page that rebound its domain to 127.0.0.1
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

            async def chunks():
                for _ in range(3):
                    yield b"x" * (1 << 19)

            chunked = await client.post("/v1/chat/completions", content=chunks())
            shaped = await client.post(
                "/v1/chat/completions",
                json={
                    "model": "served/lora",
                    "messages": [
                        {"role": "developer", "content": "Be brief."},
                        {"role": "user", "content": [{"type": "text", "text": "a great film"}]},
                    ],
                    "temperature": None,
                    "presence_penalty": 0,
                    "logit_bias": {},
                },
            )
            unsupported = await client.post(
                "/v1/chat/completions",
                json={"model": "served/lora", "messages": [{"role": "user", "content": "x"}], "presence_penalty": 1},
            )
            too_long = await client.post(
                "/v1/completions", json={"model": "served/zero_shot", "prompt": "a great film", "max_tokens": 100_000}
            )
        return rebound, chunked, shaped, unsupported, too_long

    rebound, chunked, shaped, unsupported, too_long = asyncio.run(requests())
    assert rebound.status_code == 403 and chunked.status_code == 413
    assert shaped.status_code == 200 and shaped.json()["choices"][0]["message"]["content"] in {"fresh", "rotten"}
    assert unsupported.status_code == 400
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "context_length_exceeded"


def test_a_run_is_served_with_the_configuration_it_was_made_with(experiment, tmp_path, tiny_model_dir):
    """After the experiment file changes (here: another model folder), older runs keep their own base."""
    import shutil

    other = tmp_path / "other-model"
    shutil.copytree(tiny_model_dir, other)
    changed = experiment.read_text().replace(str(tiny_model_dir), str(other))
    changed = changed.replace("  - {method: lora, r: 2, batch_size: 4}\n", "")
    experiment.write_text(changed)
    assert CliRunner().invoke(cli, ["run", str(experiment)]).exit_code == 0
    served = {s.model_id: s for s in served_runs(Store(), "served")}
    assert served["served/lora"].adapted.backend.source == tiny_model_dir  # made over the first model
    assert served["served/zero_shot"].adapted.backend.source == other  # the latest zero-shot run, over the new one
    assert str(tiny_model_dir) in served["served/lora"].card and str(other) in served["served/zero_shot"].card
