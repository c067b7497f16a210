"""A real PostgreSQL server for the tests (issue 18): started once per test session on a free port of 127.0.0.1,
one new database per test, stopped and removed when the session ends.

initdb refuses to run as root, so as root the server runs as the ``postgres`` system user (Debian's package
creates it); anyone else runs it as themselves. Without the binaries (`make postgres` installs Debian's
postgresql) the tests that need a server are skipped, saying why. conftest.py imports the fixtures, so any
test takes ``postgres_server`` or ``postgres_url`` as an argument.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ADMIN = "postgres"  # the superuser initdb creates; trust authentication, listening on 127.0.0.1 only
HOST = "127.0.0.1"
# A test server needs no durability: without fsync the tests' thousands of commits take seconds, not minutes.
FAST = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
START_TRIES = 3  # a free port can be taken by another program between choosing it and the server binding it
MISSING = "PostgreSQL's initdb and pg_ctl were not found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH)"
INSTALL = "`make postgres` installs them (apt-get install postgresql)"


class PostgresServer:
    """One server in a private temporary folder (its data, log and Unix socket)."""

    def __init__(self, bindir: Path, as_user: list[str]):
        self.bindir, self.as_user = bindir, as_user
        self.root = Path(tempfile.mkdtemp(prefix="tunewise-pg-", dir=_short_tmp()))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port: int | None = None
        self._names = itertools.count(1)

    def start(self) -> None:
        if self.as_user:  # the folder must be the server user's: initdb and the server refuse another owner's
            entry = pwd.getpwnam(ADMIN)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", ADMIN, "-E", "UTF8", "--locale=C", "--no-sync")
        for _ in range(START_TRIES):
            port = _free_port()
            options = " ".join((f"-c listen_addresses={HOST}", f"-p {port}", f"-k {self.root}", *FAST))
            started = self._run(
                "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start", check=False
            )
            if started.returncode == 0:
                self.port = port
                return
        raise RuntimeError(f"PostgreSQL did not start; its log:\n{self._log_tail()}")

    def database(self) -> str:
        """A new, empty database; its URL as a user writes it (no driver named)."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(host=HOST, port=self.port, user=ADMIN, dbname="postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql://{ADMIN}@{HOST}:{self.port}/{name}"

    def admin(self, url: str) -> psycopg.Connection:
        """A superuser connection (autocommit) to the database of ``url``, for a test to change it from outside."""
        return psycopg.connect(host=HOST, port=self.port, user=ADMIN, dbname=url.rsplit("/", 1)[1], autocommit=True)

    def stop(self) -> None:
        try:
            if self.port is not None:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self.as_user, str(self.bindir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-20:])
        except OSError:
            return "(no log)"


def bindir() -> Path | None:
    """Where initdb and pg_ctl are: pg_config's answer, else the newest Debian cluster's, else PATH's."""
    candidates = []
    if shutil.which("pg_config"):
        answer = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=30)
        candidates.append(Path(answer.stdout.strip()))
    debian = (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin"))
    candidates += sorted(debian, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None)


def server_user() -> list[str] | None:
    """The command prefix that runs a program as the server's user: none for a user who is not root, runuser
    to ``postgres`` for root; None when root has no postgres user or no runuser to become it."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(ADMIN)
    except KeyError:
        return None
    return ["runuser", "-u", ADMIN, "--"] if shutil.which("runuser") else None


# Named apart from their functions, so that a test module importing them may take ``postgres_server`` and
# ``postgres_url`` as arguments without shadowing the imported names.
@pytest.fixture(scope="session", name="postgres_server")
def postgres_server_fixture() -> Iterator[PostgresServer]:
    found, as_user = bindir(), server_user()
    if found is None:
        pytest.skip(f"{MISSING}; {INSTALL}")
    if as_user is None:
        pytest.skip("running as root, and initdb refuses root: a `postgres` user and runuser are needed")
    server = PostgresServer(found, as_user)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(name="postgres_url")
def postgres_url_fixture(postgres_server: PostgresServer) -> str:
    """``postgresql://postgres@127.0.0.1:PORT/test_N``: a new, empty database on the session's server."""
    return postgres_server.database()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _short_tmp() -> str | None:
    """/tmp where there is one: the server's socket path must stay under about 100 bytes, and the postgres user
    must reach the folder (a TMPDIR inside root's home would not do)."""
    return "/tmp" if os.path.isdir("/tmp") else None
