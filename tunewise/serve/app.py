"""The OpenAI-compatible application for a set of served runs (FastAPI)."""

from __future__ import annotations

import asyncio
import secrets
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from tunewise import __version__
from tunewise.models.hf import Sampling
from tunewise.serve import answer
from tunewise.serve.batcher import Batcher
from tunewise.serve.catalog import Served
from tunewise.serve.errors import HANDLERS
from tunewise.serve.limits import Guard
from tunewise.serve.schema import ChatRequest, CompletionRequest
from tunewise.serve.streaming import chat_stream

MAX_BODY_BYTES = 1 << 20
MAX_COMPLETIONS = 32  # prompts x n in one /v1/completions request
LONG_CHAT_CHARS = 20_000


def create_app(
    served: list[Served], token: str | None = None, batcher: Batcher | None = None, loopback: bool = True
) -> FastAPI:
    """``loopback``: the server is bound to a loopback address, so only loopback Host headers are answered."""
    app = FastAPI(title="tunewise", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard, max_body=MAX_BODY_BYTES, token=token, loopback=loopback)
    models = {s.model_id: s for s in served}
    app.state.batcher = batcher or Batcher()
    for exc, handler in HANDLERS.items():
        app.add_exception_handler(exc, handler)

    @app.middleware("http")
    async def name_the_source(request: Request, call_next):
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
        sampling = _sampling(request)
        room = answer.reserve(model, request.budget())
        if sum(len(m.content) for m in request.messages) > LONG_CHAT_CHARS:  # fitting it takes a while: off the loop
            prompt = await run_in_threadpool(answer.chat_prompt, model, request.messages, room)
        else:  # short ones inline, so requests of one moment reach the batcher together
            prompt = answer.chat_prompt(model, request.messages, room)
        if request.stream and model.adapted.backend.bills_tokens and not model.task.is_classification:
            raise answer.BadRequest("stream is not offered for runs on a model behind an API; set it false", "stream")
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
            "system_fingerprint": f"tunewise-{__version__}-{_build(model)}",
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
        _check_completion(model, request)
        return JSONResponse(await _completions(app.state.batcher, model, request), headers=_named(model))

    return app


async def _answers(batcher: Batcher, model: Served, request: ChatRequest, prompt: str, sampling: Sampling):
    n, stops = request.n, request.stops()
    if model.task.is_classification:
        top = request.top_logprobs if request.logprobs else None
        key = (model.model_id, "classify", sampling, n, top)
        return await batcher.submit(key, prompt, lambda prompts: answer.classify(model, prompts, sampling, n, top))
    budget = answer.reserve(model, request.budget())
    key = (model.model_id, "generate", budget, None if stops is None else tuple(stops), sampling, n)

    def run(prompts: list[str]) -> list[list[answer.Answer]]:
        flat = answer.generate(model, [p for p in prompts for _ in range(n)], budget, stops, sampling)
        return [flat[i * n : (i + 1) * n] for i in range(len(prompts))]

    return await batcher.submit(key, prompt, run)


async def _completions(batcher: Batcher, model: Served, request: CompletionRequest) -> dict:
    """Raw text in, no prompt program: a continuation, and with ``logprobs`` the log-probability of every token
    (the prompt's too with ``echo``), which is how a client scores candidate continuations remotely."""
    backend, sampling, n = model.adapted.backend, _sampling(request), request.n
    stops = request.stops() or []

    def run(prompts: list[str]) -> list[list[dict]]:
        rows = [p for p in prompts for _ in range(n)]  # n rows of one batch: n different samples
        generating = request.max_tokens > 0
        texts = backend.generate(rows, request.max_tokens, stops, sampling=sampling) if generating else [""] * len(rows)
        made = [_completion_choice(backend, prompt, text, request) for prompt, text in zip(rows, texts, strict=True)]
        return [made[i * n : (i + 1) * n] for i in range(len(prompts))]

    key = (model.model_id, "complete", request.max_tokens, tuple(stops), sampling, n, request.logprobs, request.echo)
    groups = await asyncio.gather(*(batcher.submit(key, prompt, run) for prompt in request.prompts()))
    choices = [choice for group in groups for choice in group]
    for i, choice in enumerate(choices):
        choice["index"] = i
    used = sum(backend.count_tokens(p) for p in request.prompts())
    generated = sum(backend.count_tokens(choice.pop("_generated")) for choice in choices)
    return {
        "id": f"cmpl-{secrets.token_hex(12)}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": model.model_id,
        "choices": choices,
        "usage": {"prompt_tokens": used, "completion_tokens": generated, "total_tokens": used + generated},
    }


def _completion_choice(backend, prompt: str, text: str, request: CompletionRequest) -> dict:
    choice = {
        "_generated": text,  # counted for usage, then removed
        "text": prompt + text if request.echo else text,
        "index": 0,
        "finish_reason": "length" if backend.count_tokens(text) >= request.max_tokens else "stop",
        "logprobs": None,
    }
    if request.logprobs is not None:
        scored = backend.token_logprobs(prompt + text, request.logprobs)
        if not request.echo:
            scored = scored[len(backend.token_logprobs(prompt)) :] if text else []
        offsets, position = [], 0 if request.echo else len(prompt)
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
    what = "base model, untuned" if model.run_id is None else f"run #{model.run_id}, {model.method}"
    name = f"{model.model_id} ({what})"
    return {"X-Tunewise-Model": name.encode("ascii", "backslashreplace").decode("ascii")}  # headers are latin-1


def _build(model: Served) -> str:
    return "base" if model.run_id is None else f"run{model.run_id}"  # a base model served as it is: no run


def _sampling(request) -> Sampling:
    """No seed, fresh randomness (as the OpenAI API draws); a seed repeats its draw. Greedy answers need none
    (and share batches: requests with different parameters never do)."""
    if request.temperature <= 0:
        return Sampling(0.0, 1.0, 0)
    seed = request.seed if request.seed is not None else secrets.randbits(32)
    return Sampling(request.temperature, request.top_p, seed)


def _check_completion(model: Served, request: CompletionRequest) -> None:
    backend = model.adapted.backend
    if backend.bills_tokens:
        raise answer.BadRequest(
            "/v1/completions is not offered for runs on a model behind an API; use /v1/chat/completions", "model"
        )
    if len(request.prompts()) * request.n > MAX_COMPLETIONS:
        raise answer.BadRequest(f"at most {MAX_COMPLETIONS} prompts x n per request", "prompt")
    if request.logprobs is not None and backend.prefix is not None:
        raise answer.BadRequest("logprobs are not offered for soft-prompt runs on /v1/completions", "logprobs")
    longest = max(backend.count_tokens(p) for p in request.prompts())
    if longest + request.max_tokens > backend.max_length:
        raise answer.BadRequest(
            f"{longest} prompt tokens + max_tokens {request.max_tokens} exceed the context of "
            f"{backend.max_length} tokens",
            "max_tokens",
            "context_length_exceeded",
        )


def _usage(model: Served, prompts: list[str], choices) -> dict:
    count = model.adapted.backend.count_tokens
    prompt_tokens = sum(count(p) for p in prompts)
    completion = sum(a.completion_tokens for a in choices)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion, "total_tokens": prompt_tokens + completion}
