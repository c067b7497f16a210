"""Where tunewise keeps its files.

``TUNEWISE_HOME`` (default ``~/.tunewise``) holds the store and run artifacts; tests point it at a temporary
folder. ``TUNEWISE_CACHE`` (default ``$TUNEWISE_HOME/cache``) holds fetched wheels, converted models and
datasets; it is separate so isolated homes can still share the 500 MB model conversion.

The home and its runs/ folder are created readable by their owner only: the store and the artifacts hold the
raw inputs, personal data included when redaction is off. Folders that already exist keep their mode.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tunewise.core.errors import InputError

PRIVATE = 0o700


def home() -> Path:
    path = Path(os.environ.get("TUNEWISE_HOME") or Path.home() / ".tunewise").expanduser().absolute()
    return _folder(path, PRIVATE, "TUNEWISE_HOME")


def cache_dir(*parts: str) -> Path:
    root = Path(os.environ.get("TUNEWISE_CACHE") or home() / "cache").expanduser()
    return _folder(root.joinpath(*parts), 0o777, "TUNEWISE_CACHE")


def runs_dir() -> Path:
    return _folder(home() / "runs", PRIVATE, "TUNEWISE_HOME")


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created meanwhile are their owner's only (0600/0700), whatever they are written by
    (a Trainer's checkpoints, a method's artifact). The umask is per process: use it around run work only,
    not around the HTML report, which is meant to be shared."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def database_url() -> str:
    """``TUNEWISE_DB_URL`` selects any SQLAlchemy URL (PostgreSQL included); the default is a SQLite file.
    The path is quoted: unquoted, a '?' or '%' in TUNEWISE_HOME would make SQLAlchemy open another file."""
    return os.environ.get("TUNEWISE_DB_URL") or f"sqlite:///{quote(str(home() / 'tunewise.db'))}"


def _folder(path: Path, mode: int, variable: str) -> Path:
    """``path``, created (with ``mode`` less the umask) if missing; one line naming it if that fails."""
    try:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file is in the way" if path.is_file() else exc.strerror or str(exc)
        raise InputError(
            f"cannot create the folder ({why})",
            file=str(path),
            fix=f"set {variable} to a folder you can write, or make its parent writable",
        ) from None
    return path


def make_shareable(path: Path) -> None:
    """Give a file, or a folder and all it holds, the user's usual modes (the umask's), for what is meant to be
    handed on (a report, an export); atomic writers create their files 0600."""
    umask = os.umask(0)
    os.umask(umask)
    for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
        item.chmod((0o777 if item.is_dir() else 0o666) & ~umask)
