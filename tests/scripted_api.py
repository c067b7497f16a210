"""A small OpenAI-compatible HTTP server for tests that fails on purpose: real HTTP on 127.0.0.1, so the
client's retries, backoff, rate limiting, concurrency and caching are tested as they run, not through mocks.

Chat replies name "positive" when the last message praises (good, great, superb...), else "negative"; the
labels fresh/rotten work the same way. Completions with echo give every whitespace-separated piece a
log-probability of -0.1 per character, and the label that fits the praise a higher one, so label scoring has
something to rank."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRAISE = ("good", "great", "wonderful", "superb", "clever")
POSITIVE, NEGATIVE = ("positive", "fresh"), ("negative", "rotten")


def _praises(text: str) -> bool:
    return any(word in text for word in PRAISE)


class ScriptedAPI:
    def __init__(self, completions: bool = True, delay_s: float = 0.0):
        self.failures: deque[tuple[int, dict]] = deque()  # (status, headers) answered before real answers
        self.completions, self.delay_s = completions, delay_s
        self.hits: list[dict] = []  # every request: path, body, authorization, start time
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures.extend([(status, headers)] * times)

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with api.lock:
                    api.hits.append(
                        {"path": self.path, "body": body, "auth": self.headers.get("Authorization"), "at": time.time()}
                    )
                    api.in_flight += 1
                    api.max_in_flight = max(api.max_in_flight, api.in_flight)
                    failure = api.failures.popleft() if api.failures else None
                try:
                    time.sleep(api.delay_s)
                    if failure:
                        status, headers = failure
                        return self._send(status, {"error": {"message": f"scripted failure {status}"}}, headers)
                    if self.path.endswith("/chat/completions"):
                        return self._send(200, _chat(body))
                    if self.path.endswith("/completions") and api.completions:
                        return self._send(200, _completions(body))
                    return self._send(404, {"error": {"message": "no such endpoint"}})
                finally:
                    with api.lock:
                        api.in_flight -= 1

            def _send(self, status: int, payload: dict, headers: dict | None = None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
                    self.wfile.write(data)

        return Handler


def _chat(body: dict) -> dict:
    last = body["messages"][-1]["content"]
    words = POSITIVE if _praises(last) else NEGATIVE
    reply = words[1] if "fresh" in json.dumps(body["messages"]) else words[0]
    words = sum(len(m["content"].split()) for m in body["messages"])
    return {
        "id": "chat-1",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": words + 3, "completion_tokens": 1, "total_tokens": words + 4},
    }


def _completions(body: dict) -> dict:
    prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
    choices, used = [], 0
    for i, text in enumerate(prompts):
        tokens, offsets, position = [], [], 0
        for piece in text.split(" "):
            token = piece if not tokens else " " + piece
            tokens.append(token)
            offsets.append(position)
            position += len(token)
        good = _praises(text.rsplit("<|im_start|>user", 1)[-1])
        logprobs = [None] + [_logprob(t, good) for t in tokens[1:]]
        used += len(tokens)
        choices.append(
            {
                "index": i,
                "text": text,
                "finish_reason": "length",
                "logprobs": {
                    "tokens": tokens,
                    "token_logprobs": logprobs,
                    "text_offset": offsets,
                    "top_logprobs": None,
                },
            }
        )
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 0,
        "model": body["model"],
        "choices": choices,
        "usage": {"prompt_tokens": used, "completion_tokens": 0, "total_tokens": used},
    }


def _logprob(token: str, good: bool) -> float:
    word = token.strip().split("\n")[-1]
    if word in POSITIVE + NEGATIVE:
        return -0.2 if (word in POSITIVE) == good else -3.0
    return -0.1 * len(token)
