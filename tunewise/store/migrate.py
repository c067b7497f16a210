"""Bring a store to the newest schema exactly once, even when several processes open a new store together.

Migrating processes take turns: on SQLite through an exclusive lock on a file beside the database, on
PostgreSQL through an advisory lock held by the migration transaction. A store tunewise did not write (another
program's tables, or a schema revision from a newer tunewise) is refused rather than altered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

import tunewise.store.sqlite as sqlite
from tunewise import __version__
from tunewise.store.errors import StoreError

try:  # POSIX; elsewhere concurrent first opens are not serialised
    import fcntl
except ImportError:
    fcntl = None

MIGRATIONS = Path(__file__).parent / "migrations"
PG_LOCK_KEY = 7_475_657_719  # any constant: every tunewise migrating a PostgreSQL database takes this lock
ELSEWHERE = "set TUNEWISE_HOME or TUNEWISE_DB_URL to a tunewise store or to an empty database"


def upgrade(engine: Engine, where: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    database = sqlite.sqlite_file(engine.url)
    if database is not None:
        sqlite.create_private(database)
    with _file_lock(database):
        migrating = _migration_engine(engine.url) if database is not None else engine
        try:
            with migrating.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
                if _current(connection, script, where) != script.get_current_head():
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
        finally:
            if migrating is not engine:
                migrating.dispose()


def _migration_engine(url: URL) -> Engine:
    """A SQLite file gets an engine of its own for migrating, whose connections take over BEGIN so that DDL is
    transactional (see ``sqlite.transactional_ddl``); the store's everyday connections keep sqlite3's way.
    PostgreSQL's DDL is transactional already, and an in-memory database lives only in the store's engine."""
    engine = create_engine(url, poolclass=NullPool)
    event.listen(engine, "connect", sqlite.transactional_ddl)
    event.listen(engine, "begin", sqlite.begin)
    return engine


def _current(connection: Connection, script: ScriptDirectory, where: str) -> str | None:
    """The store's schema revision, after checking that tunewise wrote the store and knows the revision."""
    heads = MigrationContext.configure(connection).get_current_heads()
    known = {revision.revision for revision in script.walk_revisions()}
    for head in heads:
        if head not in known:
            raise StoreError(
                where,
                f"its schema revision {head!r} is unknown to tunewise {__version__} (a newer tunewise wrote it, "
                "or it is not a tunewise store)",
                f"upgrade tunewise (pip install -U tunewise), or {ELSEWHERE}",
            )
    tables = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
    if not heads and tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(where, f"it is not a tunewise store (it holds other tables: {shown})", ELSEWHERE)
    return heads[0] if len(heads) == 1 else None


@contextmanager
def _file_lock(database: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.lock`` (a SQLite file store): the first of several processes
    opening a new store creates it, the others wait and find it migrated."""
    if database is None or fcntl is None:
        yield
        return
    handle = os.open(f"{database}.lock", os.O_RDONLY | os.O_CREAT, 0o600)  # flock needs no write access
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock
