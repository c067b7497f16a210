"""Where tunewise keeps its files.

``TUNEWISE_HOME`` (default ``~/.tunewise``) holds the store and run artifacts; tests point it at a temporary
folder. ``TUNEWISE_CACHE`` (default ``$TUNEWISE_HOME/cache``) holds fetched wheels, converted models and
datasets; it is separate so isolated homes can still share the 500 MB model conversion.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    path = Path(os.environ.get("TUNEWISE_HOME") or Path.home() / ".tunewise").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(*parts: str) -> Path:
    root = Path(os.environ.get("TUNEWISE_CACHE") or home() / "cache").expanduser()
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_dir() -> Path:
    path = home() / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``TUNEWISE_DB_URL`` selects any SQLAlchemy URL (PostgreSQL included); the default is a SQLite file."""
    return os.environ.get("TUNEWISE_DB_URL") or f"sqlite:///{home() / 'tunewise.db'}"
