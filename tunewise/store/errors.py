"""Why the store could not be opened or written, in one line naming the database and the fix.

SQLite reports a full disk, a read-only or corrupt file as exceptions deep inside SQLAlchemy, and PostgreSQL a
read-only server or a missing privilege; left alone they reach the user as a traceback. Errors that mean a bug
(a broken constraint, bad SQL) are left alone.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError

import tunewise.store.postgres as postgres
from tunewise.core.errors import TunewiseError

WRITABLE = "make it and its folder writable by you, or set TUNEWISE_HOME to a folder you can write"
ASIDE = "move the file aside (tunewise then starts an empty store), or set TUNEWISE_HOME to another folder"
FREE = "free space on the disk that holds it, then run again"
# (part of SQLite's message, why, fix)
SQLITE_REASONS = (
    ("disk is full", "the disk is full", FREE),
    ("readonly database", "it cannot be written (the file or its folder is read-only)", WRITABLE),
    ("unable to open database file", "it cannot be opened (its folder is missing or not writable)", WRITABLE),
    ("file is not a database", "it is not a SQLite database (corrupt, or another kind of file)", ASIDE),
    ("malformed", "the database file is corrupt", ASIDE),
    ("database is locked", "another process holds it locked", "wait for the other tunewise command, then rerun"),
    ("disk i/o error", "the disk reported an I/O error", "check the disk, then run again"),
)
OS_REASONS = {
    errno.ENOSPC: ("the disk is full", FREE),
    errno.EACCES: ("it cannot be written (permission denied)", WRITABLE),
    errno.EPERM: ("it cannot be written (operation not permitted)", WRITABLE),
    errno.EROFS: ("it is on a read-only file system", WRITABLE),
}


READABLE = ("readonly database", "database is locked")  # reading the store still works


class StoreError(TunewiseError):
    """The store cannot be opened or written; the message names the database, why, and the fix.
    ``readable``: only writing failed (a read-only or locked store), reading it still works."""

    def __init__(self, where: str, why: str, fix: str, readable: bool = False):
        self.where, self.why, self.fix, self.readable = where, why, fix, readable
        super().__init__(f"store {where}: {why}; fix: {fix}")


@contextmanager
def store_errors(where: str) -> Iterator[None]:
    """Turn the database's and the file system's complaints about the store into a one-line StoreError."""
    try:
        yield
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        error = explain(exc, where)
        if error is None:
            raise
        raise error from exc


def explain(exc: BaseException, where: str) -> StoreError | None:
    if isinstance(exc, OSError):
        why, fix = OS_REASONS.get(exc.errno, (f"it cannot be created or opened ({exc.strerror or exc})", WRITABLE))
        return StoreError(where, why, fix)
    original = getattr(exc, "orig", None) or exc
    message = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    # Each database by its own reasons: PostgreSQL's "malformed array literal" is a bug, not a corrupt file.
    found = postgres.reason(original, message) if postgres.raised(original) else _sqlite_reason(message)
    if found is not None:
        return StoreError(where, *found)
    if isinstance(exc, OperationalError | sqlite3.OperationalError):  # the environment: server down, no access
        return StoreError(where, message, "check TUNEWISE_DB_URL or TUNEWISE_HOME, and that the database is up")
    return None


def _sqlite_reason(message: str) -> tuple[str, str, bool] | None:
    for part, why, fix in SQLITE_REASONS:
        if part in message.lower():
            return why, fix, part in READABLE
    return None
