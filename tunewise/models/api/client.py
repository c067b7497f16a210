"""Requests to an OpenAI-compatible server through the official ``openai`` client, with the resilience a long
experiment needs: retries with exponential backoff (honouring ``Retry-After``) on 408/409/429/5xx, timeouts and
dropped connections, a rate limit shared by every thread, and errors that never show the API key."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import openai

from tunewise.core.errors import TunewiseError
from tunewise.models.api.config import ApiConfig

RETRYABLE = {408, 409, 429}  # and every 5xx
UNSUPPORTED = {400, 404, 405, 422, 501}  # what a server answers to an endpoint or a parameter it does not offer


class ApiError(TunewiseError):
    """A request that failed for good; ``status`` is the HTTP status (None: no answer at all)."""

    def __init__(self, message: str, status: int | None):
        super().__init__(message)
        self.status = status


MAX_WAIT_S = 30.0


@dataclass
class RequestStats:
    requests: int = 0  # sent to the server (retries included)
    retries: int = 0
    cached: int = 0  # answered from the cache, nothing sent

    def as_dict(self) -> dict:
        return {"requests": self.requests, "retries": self.retries, "cached": self.cached}


class RateLimiter:
    """Spaces request starts ``60 / per_minute`` seconds apart across threads (no bursts past the limit)."""

    def __init__(self, per_minute: float | None):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class ApiClient:
    def __init__(self, config: ApiConfig, key: str | None):
        self.config, self._key = config, key
        # The client's own retries are off: ours count, honour the rate limit and report what failed.
        self._client = openai.OpenAI(
            base_url=config.base_url, api_key=key or "not-needed", max_retries=0, timeout=config.timeout_s
        )
        self._limiter = RateLimiter(config.requests_per_minute)
        self._lock = threading.Lock()
        self.stats = RequestStats()

    def call(self, endpoint: str, body: dict) -> dict:
        """One chat (``endpoint="chat"``) or completions request, retried while the failure is transient."""
        create = self._client.chat.completions.create if endpoint == "chat" else self._client.completions.create
        for attempt in range(self.config.max_retries + 1):
            self._limiter.wait()
            self._count("requests")
            try:
                return create(**body).model_dump()
            except openai.APIStatusError as exc:
                transient = exc.status_code in RETRYABLE or exc.status_code >= 500
                if not transient or attempt == self.config.max_retries:
                    raise self._failed(f"HTTP {exc.status_code}: {_message(exc)}", attempt, exc.status_code) from None
                wait = _retry_after(exc.response) or self._backoff(attempt)
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                if attempt == self.config.max_retries:
                    raise self._failed(type(exc).__name__.removeprefix("API"), attempt, None) from None
                wait = self._backoff(attempt)
            self._count("retries")
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Doubling waits with jitter, so many clients retrying at once do not hit the server together."""
        return min(MAX_WAIT_S, self.config.backoff_s * 2**attempt * random.uniform(0.5, 1.0))

    def count_cached(self) -> None:
        self._count("cached")

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def _failed(self, what: str, attempt: int, status: int | None) -> ApiError:
        tries = f" after {attempt + 1} attempts" if attempt else ""
        message = f"{self.config.model} at {self.config.base_url} failed{tries}: {what}"
        if self._key:
            message = message.replace(self._key, "***")  # a server that echoes the key never gets it shown
        return ApiError(message, status)


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body)
    text = error.get("message") if isinstance(error, dict) else None
    return str(text or exc.message)[:300]


def _retry_after(response) -> float | None:
    """The server's ``Retry-After`` in seconds (capped), when it sent one as a number."""
    try:
        return min(MAX_WAIT_S, max(0.0, float(response.headers.get("retry-after", ""))))
    except (TypeError, ValueError):
        return None
