"""What the store does differently on SQLite: its file, its connection settings, and a private file mode."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url


def sqlite_file(url: str | URL) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory SQLite."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):  # a SQLite URI: SQLite itself parses it
        return None
    return Path(url.database)


def where(url: str | URL) -> str:
    """How error messages name the store: its file, or its URL without the password."""
    path = sqlite_file(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def create_private(path: Path) -> None:
    """Create an empty database file readable by its owner only (SQLite gives the -wal and -shm files the mode
    of the database file): the store holds raw inputs, personal data included when redaction is off."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def on_connect(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (CLI, UI) do not block the writing run
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def transactional_ddl(connection, record) -> None:
    """For the migration engine only: Python's sqlite3 commits before DDL on its own, so a migration cut off
    midway (full disk, kill) would leave half a schema. Taking over BEGIN makes a migration all or nothing."""
    on_connect(connection, record)
    connection.isolation_level = None


def begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")
