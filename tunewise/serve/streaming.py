"""Streamed chat answers: server-sent ``chat.completion.chunk`` events as the tokens come, ending ``[DONE]``."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator

from transformers import TextIteratorStreamer

from tunewise.models.hf import Sampling
from tunewise.serve import answer
from tunewise.serve.batcher import Batcher
from tunewise.serve.catalog import Served
from tunewise.serve.schema import ChatRequest


async def chat_stream(
    batcher: Batcher, model: Served, request: ChatRequest, prompt: str, sampling: Sampling
) -> AsyncIterator[str]:
    chunk = _chunks(model, f"chatcmpl-{secrets.token_hex(12)}")
    yield chunk({"role": "assistant", "content": ""}, None)
    if model.task.is_classification:  # one scored label: nothing to stream but the answer itself
        (choice,) = await batcher.exclusive(lambda: answer.classify(model, [prompt], sampling, 1, None)[0])
        yield chunk({"content": choice.text}, None)
        yield chunk({}, "stop")
    else:
        async for piece, finish in _generated(batcher, model, request, prompt, sampling):
            yield chunk({"content": piece} if piece else {}, finish)
    yield "data: [DONE]\n\n"


async def _generated(batcher, model: Served, request: ChatRequest, prompt: str, sampling: Sampling):
    """Tokens from a generation running on the model thread, read here as they are decoded."""
    backend = model.adapted.backend
    budget = answer.reserve(model, request.budget())
    streamer = TextIteratorStreamer(backend.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
    def work():
        return answer.generate(model, [prompt], budget, request.stops(), sampling, streamer=streamer)[0]

    job = asyncio.ensure_future(batcher.exclusive(work))
    loop, text = asyncio.get_running_loop(), ""
    stops = request.stops() if request.stops() is not None else list(model.task.stop)
    while True:
        piece = await loop.run_in_executor(None, next, streamer, None)
        if piece is None:
            break
        emitted = answer.cut_at_stop(text + piece, stops)[len(text) :] if stops else piece
        text += piece
        if emitted:
            yield emitted, None
        if stops and any(stop in text for stop in stops if stop):
            break
    final = await job
    yield "", final.finish_reason


def _chunks(model: Served, completion_id: str):
    created = int(time.time())

    def chunk(delta: dict, finish: str | None) -> str:
        body = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model.model_id,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n"

    return chunk
