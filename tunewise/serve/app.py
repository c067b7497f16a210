"""The OpenAI-compatible application for a set of served runs (FastAPI)."""

from __future__ import annotations

import secrets
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from tunewise import __version__
from tunewise.models.hf import Sampling
from tunewise.serve import answer
from tunewise.serve.batcher import Batcher
from tunewise.serve.catalog import Served
from tunewise.serve.errors import HANDLERS, error
from tunewise.serve.schema import ChatRequest, CompletionRequest
from tunewise.serve.streaming import chat_stream

MAX_BODY_BYTES = 1 << 20


def create_app(served: list[Served], token: str | None = None, batcher: Batcher | None = None) -> FastAPI:
    app = FastAPI(title="tunewise", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    models = {s.model_id: s for s in served}
    app.state.batcher = batcher or Batcher()
    for exc, handler in HANDLERS.items():
        app.add_exception_handler(exc, handler)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token and not secrets.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
            return error(401, "Missing or wrong bearer token (Authorization: Bearer <token>)", code="invalid_api_key")
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return error(413, f"Request body over {MAX_BODY_BYTES // 1024} kB", code="request_too_large")
        response = await call_next(request)
        response.headers["X-Served-By"] = f"tunewise {__version__}: outputs are machine-generated"
        return response

    def lookup(model_id: str) -> Served:
        if model_id not in models:
            raise answer.BadRequest(
                f"The model '{model_id}' does not exist; GET /v1/models lists them", "model", "model_not_found", 404
            )
        return models[model_id]

    @app.get("/v1/models")
    async def list_models():
        return {"object": "list", "data": [_model(s) for s in served]}

    @app.get("/v1/models/{model_id:path}")
    async def one_model(model_id: str):
        if model_id.endswith("/card") and model_id.removesuffix("/card") in models:
            return PlainTextResponse(models[model_id.removesuffix("/card")].card, media_type="text/markdown")
        return _model(lookup(model_id))

    @app.post("/v1/chat/completions")
    async def chat(request: ChatRequest):
        model = lookup(request.model)
        sampling = Sampling(request.temperature, request.top_p, request.seed or 0)
        prompt = answer.chat_prompt(model, request.messages, answer.reserve(model, request.budget()))
        if request.stream:
            return StreamingResponse(
                chat_stream(app.state.batcher, model, request, prompt, sampling),
                media_type="text/event-stream",
                headers=_named(model),
            )
        choices = await _answers(app.state.batcher, model, request, prompt, sampling)
        body = {
            "id": f"chatcmpl-{secrets.token_hex(12)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model.model_id,
            "system_fingerprint": f"tunewise-{__version__}-run{model.run_id}",
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": a.text},
                    "logprobs": {"content": a.logprobs} if request.logprobs and a.logprobs else None,
                    "finish_reason": a.finish_reason,
                }
                for i, a in enumerate(choices)
            ],
            "usage": _usage(model, [prompt], choices),
        }
        return JSONResponse(body, headers=_named(model))

    @app.post("/v1/completions")
    async def complete(request: CompletionRequest):
        model = lookup(request.model)
        if request.stream:
            raise answer.BadRequest("stream is not offered on /v1/completions; use /v1/chat/completions", "stream")
        return JSONResponse(await _completions(app.state.batcher, model, request), headers=_named(model))

    return app


async def _answers(batcher: Batcher, model: Served, request: ChatRequest, prompt: str, sampling: Sampling):
    n, stops = request.n, request.stops()
    if model.task.is_classification:
        top = request.top_logprobs if request.logprobs else None
        key = (model.model_id, "classify", sampling, n, top)
        return await batcher.submit(key, prompt, lambda prompts: answer.classify(model, prompts, sampling, n, top))
    budget = answer.reserve(model, request.budget())
    key = (model.model_id, "generate", budget, tuple(stops or ()), sampling, n)

    def run(prompts: list[str]) -> list[list[answer.Answer]]:
        flat = answer.generate(model, [p for p in prompts for _ in range(n)], budget, stops, sampling)
        return [flat[i * n : (i + 1) * n] for i in range(len(prompts))]

    return await batcher.submit(key, prompt, run)


async def _completions(batcher: Batcher, model: Served, request: CompletionRequest) -> dict:
    """Raw text in, no prompt program: a continuation, and with ``logprobs`` the log-probability of every token
    (the prompt's too with ``echo``), which is how a client scores candidate continuations remotely."""
    backend, sampling = model.adapted.backend, Sampling(request.temperature, request.top_p, request.seed or 0)
    stops = request.stops() or []

    def run(prompts: list[str]) -> list[list[dict]]:
        texts = (
            [""] * len(prompts)
            if request.max_tokens == 0
            else backend.generate(prompts, request.max_tokens, stops, sampling=sampling)
        )
        return [
            [_completion_choice(backend, prompt, text, request)] for prompt, text in zip(prompts, texts, strict=True)
        ]

    key = (model.model_id, "complete", request.max_tokens, tuple(stops), sampling, request.logprobs, request.echo)
    choices = []
    for prompt in request.prompts():
        for _ in range(request.n):
            choices += await batcher.submit(key, prompt, run)
    for i, choice in enumerate(choices):
        choice["index"] = i
    used = sum(backend.count_tokens(p) for p in request.prompts())
    generated = sum(backend.count_tokens(c["text"]) for c in choices) - (used if request.echo else 0)
    return {
        "id": f"cmpl-{secrets.token_hex(12)}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model.model_id,
        "choices": choices,
        "usage": {
            "prompt_tokens": used,
            "completion_tokens": max(generated, 0),
            "total_tokens": used + max(generated, 0),
        },
    }


def _completion_choice(backend, prompt: str, text: str, request: CompletionRequest) -> dict:
    shown = prompt + text if request.echo else text
    choice = {
        "text": shown,
        "index": 0,
        "finish_reason": "length" if backend.count_tokens(text) >= request.max_tokens else "stop",
        "logprobs": None,
    }
    if request.logprobs is not None:
        scored = backend.token_logprobs(prompt + text, request.logprobs)
        if not request.echo:
            scored = scored[len(backend.token_logprobs(prompt)) :] if text else []
        offsets, position = [], 0
        for token, _, _ in scored:
            offsets.append(position)
            position += len(token)
        choice["logprobs"] = {
            "tokens": [t for t, _, _ in scored],
            "token_logprobs": [lp for _, lp, _ in scored],
            "top_logprobs": [alt or None for _, _, alt in scored],
            "text_offset": offsets,
        }
    return choice


def _model(s: Served) -> dict:
    return {
        "id": s.model_id,
        "object": "model",
        "created": s.created,
        "owned_by": "tunewise",
        "tunewise": {"run": s.run_id, "method": s.method, "recommended": s.recommended, "task": s.task.type},
    }


def _named(model: Served) -> dict:
    return {"X-Tunewise-Model": f"{model.model_id} (run #{model.run_id}, {model.method})"}


def _usage(model: Served, prompts: list[str], choices) -> dict:
    count = model.adapted.backend.count_tokens
    prompt_tokens = sum(count(p) for p in prompts)
    completion = sum(a.completion_tokens for a in choices)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion, "total_tokens": prompt_tokens + completion}
