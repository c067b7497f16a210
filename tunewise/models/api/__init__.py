"""Models behind OpenAI-compatible servers (hosted APIs, vLLM, llama.cpp, Ollama, `tunewise serve`)."""

from __future__ import annotations

import os

from tunewise.core.errors import InputError
from tunewise.core.home import home
from tunewise.models.api.backend import APIBackend
from tunewise.models.api.cache import ResponseCache
from tunewise.models.api.config import ApiConfig

__all__ = ["APIBackend", "ApiConfig", "load_api"]


def load_api(config: ApiConfig, max_length: int, field: str = "model.api") -> APIBackend:
    """The backend for ``config``, its key read from the environment variable it names (never stored)."""
    key = None
    if config.api_key_env:
        key = os.environ.get(config.api_key_env)
        if not key:
            raise InputError(
                "the API key's environment variable is not set",
                field=f"{field}.api_key_env",
                value=config.api_key_env,
                fix=f"export {config.api_key_env}=... before running (tunewise reads it there and never stores it)",
            )
    # Under the home, not the shared cache: the answers hold the user's prompts (the file is the user's only).
    cache = ResponseCache(home() / "api" / "responses.sqlite3") if config.cache else None
    return APIBackend(config, max_length, key, cache)
