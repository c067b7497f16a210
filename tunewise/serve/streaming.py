"""Streamed chat answers: server-sent ``chat.completion.chunk`` events as the tokens come, ending ``[DONE]``."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
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
        async for piece, finish in generated_pieces(batcher, model, request, prompt, sampling):
            yield chunk({"content": piece} if piece else {}, finish)
    yield "data: [DONE]\n\n"


async def generated_pieces(batcher, model: Served, request: ChatRequest, prompt: str, sampling: Sampling):
    """Tokens from a generation running on the model thread, read here as they are decoded. A client that goes
    away stops the generation at its next token; an error in it ends the stream instead of leaving it waiting."""
    backend = model.adapted.backend
    budget = answer.reserve(model, request.budget())
    streamer = TextIteratorStreamer(backend.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=None)
    gone = threading.Event()
    stops = answer.stops_for(model, request.stops())

    def work():
        try:
            return answer.generate(
                model, [prompt], budget, stops, sampling, streamer=streamer, stopping=lambda: gone.is_set()
            )[0]
        except BaseException:
            streamer.end()  # the reader below must not wait for tokens that will never come
            raise

    job = asyncio.ensure_future(batcher.exclusive(work))
    loop, text, sent = asyncio.get_running_loop(), "", 0
    try:
        while True:
            piece = await loop.run_in_executor(None, next, streamer, None)
            if piece is None:
                break
            text = answer.cut_at_stop(text + piece, stops)
            # Hold back what could be the start of a stop sequence, so streamed text equals the whole answer.
            ready = len(text) - _partial_stop(text, stops)
            if ready > sent:
                yield text[sent:ready], None
                sent = ready
        final = await job
        if len(text) > sent:
            yield text[sent:], None
        yield "", final.finish_reason
    finally:
        gone.set()


def _partial_stop(text: str, stops: list[str]) -> int:
    """Length of the longest end of ``text`` that begins a stop sequence."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), 0, -1):
            if stop.startswith(text[-size:]):
                longest = max(longest, size)
                break
    return longest


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
