"""An OpenAI-compatible server as a model: `model: {api: {...}}` (or an entry of `models:`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlparse

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class ApiConfig:
    base_url: str = field(metadata={"help": "the server's API root, e.g. https://api.openai.com/v1"})
    model: str = field(metadata={"help": "the model name the server knows, e.g. gpt-4o-mini"})
    api_key_env: str | None = field(
        default=None,
        metadata={"help": "environment variable holding the API key (read at run time, never stored or logged)"},
    )
    max_concurrency: int = field(default=4, metadata={"help": "requests in flight at once"})
    requests_per_minute: float | None = field(default=None, metadata={"help": "rate limit (null: none)"})
    timeout_s: float = field(default=60.0, metadata={"help": "seconds one request may take"})
    max_retries: int = field(default=5, metadata={"help": "retries of a request on 408/409/429/5xx or no answer"})
    backoff_s: float = field(default=1.0, metadata={"help": "first retry's wait; it doubles each retry (jittered)"})
    label_scoring: Literal["auto", "logprobs", "generate"] = field(
        default="auto",
        metadata={
            "help": "classification: score labels by /v1/completions logprobs (echo), or read them from a chat "
            "reply (generate); auto probes the server once"
        },
    )
    chat_format: Literal["chatml", "plain"] = field(
        default="chatml",
        metadata={"help": "how messages become raw text for logprob scoring: chatml (Qwen, SmolLM...) or plain"},
    )
    cache: bool = field(default=True, metadata={"help": "keep answers, so re-runs and repeats cost nothing twice"})
    cache_namespace: str | None = field(
        default=None,
        metadata={
            "help": "part of every cached answer's key: change it when the server puts another model under the "
            "same name (kept answers are then not reused)"
        },
    )

    def __post_init__(self):
        url = urlparse(self.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"base_url must be an http(s) URL such as http://127.0.0.1:8000/v1, got {self.base_url!r}")
        if url.username or url.password or url.query:  # the URL is stored and shown: no credentials in it
            raise ValueError("base_url must not carry credentials or a query; give the key through api_key_env")
        if self.cache_namespace is not None and not self.cache_namespace.strip():
            raise ValueError("cache_namespace must be a non-empty label, or null")
        if not self.model.strip():
            raise ValueError("model must name the server's model")
        if self.api_key_env is not None and not ENV_NAME.fullmatch(self.api_key_env):
            raise ValueError(  # the value is not shown: it may be the key itself
                "api_key_env must name an environment variable (e.g. OPENAI_API_KEY); never put the key itself "
                "in the experiment file"
            )
        if self.max_concurrency < 1 or self.max_retries < 0:
            raise ValueError("max_concurrency must be at least 1 and max_retries 0 or more")
        if self.timeout_s <= 0 or self.backoff_s < 0:
            raise ValueError("timeout_s must be positive and backoff_s 0 or more")
        if self.requests_per_minute is not None and self.requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive (or null for no limit)")

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc
