"""Faults of the store, of processes and of the files tunewise writes (issue 11): a new home opened by several
processes at once, stores that cannot be opened or written, pids given to other processes, experiment names used
as file names, and the modes of what the store keeps (raw inputs, personal data included)."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import tunewise.store.sqlite as store_sqlite
from tunewise.cli import cli
from tunewise.core.home import home, private_files, runs_dir
from tunewise.core.record import Measurements
from tunewise.store import Store, StoreError, migrate
from tunewise.store import process as proc
from tunewise.store.db import MIGRATIONS
from tunewise.store.errors import store_errors
from tunewise.store.schema import Run

ROOT = os.geteuid() == 0
AS_ROOT = "root writes through file modes; the simulated case below covers it"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result, *parts):
    """Exit 1, one line that names each of ``parts``, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for part in parts:
        assert part in lines[0], lines[0]


def start(store, name="exp", **extra):
    experiment = store.experiment(name, {"task": {"labels": ["a", "b"]}})
    fields = dict(method_id="m", method="zero_shot", config={}, fingerprint="f", environment={}, code_version="t")
    return store.start_run(experiment, **(fields | {"split_sizes": {"test": 2}} | extra))


def set_run(store, run_id, **values):
    with store.session.begin() as s:
        run = s.get(Run, run_id)
        for name, value in values.items():
            setattr(run, name, value)


def database(isolated_home):
    return isolated_home / "tunewise.db"


# -- 1. a new home opened by several processes at once ----------------------------------------------------------
def run_together(commands, env):
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    return [(p.wait(timeout=120), *p.communicate()) for p in procs]


def test_four_runs_commands_on_a_new_home_migrate_it_once(isolated_home):
    env = os.environ | {"TUNEWISE_HOME": str(isolated_home)}
    results = run_together([[sys.executable, "-m", "tunewise.cli", "runs"]] * 4, env)
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err, err
    with sqlite3.connect(database(isolated_home)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0005_judge",)]


def test_processes_starting_runs_of_one_experiment_together_share_it(isolated_home):
    """Two `tunewise run` of the same experiment, started together: both register it (no UNIQUE crash)."""
    script = "from tunewise.store import Store; s = Store(); s.experiment('same', {}); print(s.experiment('same', {}))"
    env = os.environ | {"TUNEWISE_HOME": str(isolated_home)}
    results = run_together([[sys.executable, "-c", script]] * 4, env)
    assert all(code == 0 for code, _, _ in results), [err for _, _, err in results]
    assert len({out for _, out, _ in results}) == 1


def test_experiment_registered_meanwhile_by_another_process_is_reused(isolated_home, monkeypatch):
    store, other = Store(), Store()
    real_scalar = Session.scalar
    raced = []

    def racing_scalar(session, *args, **kwargs):  # another process inserts between our look-up and our insert
        if raced:
            return real_scalar(session, *args, **kwargs)
        raced.append(None)
        raced.append(other.experiment("raced", {"v": 1}))
        return None

    monkeypatch.setattr(Session, "scalar", racing_scalar)
    assert store.experiment("raced", {"v": 2}) == raced[1]
    assert Store().experiment_config("raced") == {"v": 2}


def test_opening_a_migrated_store_runs_no_migration(isolated_home, monkeypatch):
    """Every command opens the store: once migrated, opening it only reads its revision (a few ms)."""
    Store()

    def no_upgrade(*args, **kwargs):
        raise AssertionError("an up-to-date store was migrated again")

    monkeypatch.setattr(migrate.command, "upgrade", no_upgrade)
    assert invoke("runs").exit_code == 0


# -- 2. a store that cannot be opened or written: which file, why, and the fix, in one line ---------------------
READ_COMMANDS = [("runs",), ("show", "1"), ("compare", "exp")]


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_a_corrupt_store_is_one_line(isolated_home, command):
    isolated_home.mkdir(parents=True)
    database(isolated_home).write_bytes(os.urandom(8192))
    one_line_error(invoke(*command), str(database(isolated_home)), "not a SQLite database", "fix:")


def test_a_store_with_damaged_pages_is_one_line(isolated_home):
    store = Store()
    for i in range(200):
        start(store, name=f"exp{i}")
    store.engine.dispose()
    with sqlite3.connect(database(isolated_home)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(database(isolated_home).read_bytes())
    data[4096 * 2 : 4096 * 6] = os.urandom(4096 * 4)  # keep the header, break the tables' pages
    database(isolated_home).write_bytes(bytes(data))
    one_line_error(invoke("runs"), str(database(isolated_home)), "corrupt")


def test_an_empty_file_is_a_new_store(isolated_home):
    isolated_home.mkdir(parents=True)
    database(isolated_home).touch()
    assert invoke("runs").exit_code == 0


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_another_programs_sqlite_database_is_refused_and_left_alone(isolated_home, command):
    isolated_home.mkdir(parents=True)
    with sqlite3.connect(database(isolated_home)) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    one_line_error(invoke(*command), str(database(isolated_home)), "not a tunewise store", "users", "fix:")
    with sqlite3.connect(database(isolated_home)) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"users"}


@pytest.mark.parametrize("command", READ_COMMANDS)
def test_a_store_from_a_newer_tunewise_is_refused(isolated_home, command):
    Store().engine.dispose()
    with sqlite3.connect(database(isolated_home)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    one_line_error(invoke(*command), str(database(isolated_home)), "'0099_from_the_future'", "upgrade tunewise")


def fill_disk_after(monkeypatch, pages: int | None = None):
    """Real SQLite "database or disk is full": no page beyond the file's current size (or ``pages``)."""
    real = store_sqlite.on_connect

    def full(connection, record):
        real(connection, record)
        size = pages or connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count={max(size, 1)}")

    monkeypatch.setattr(store_sqlite, "on_connect", full)  # the migration's connections call it too


def test_a_full_disk_while_creating_the_store_is_one_line_and_leaves_no_half_schema(isolated_home, monkeypatch):
    with monkeypatch.context() as patch:
        fill_disk_after(patch, pages=3)
        one_line_error(invoke("runs"), str(database(isolated_home)), "disk is full", "free space")
    assert invoke("runs").exit_code == 0  # space freed: the interrupted migration had left nothing behind


def test_a_full_disk_during_a_run_is_one_line(isolated_home, monkeypatch):
    run_id = start(Store())
    fill_disk_after(monkeypatch)
    store = Store()
    with pytest.raises(StoreError, match="disk is full") as raised:
        for step in range(1000):
            store.log_metric(run_id, step, "loss", 1.0)
    assert str(database(isolated_home)) in str(raised.value) and "\n" not in str(raised.value)


def test_no_space_to_create_the_store_file_is_one_line(isolated_home, monkeypatch):
    def no_space(path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store_sqlite, "create_private", no_space)
    one_line_error(invoke("runs"), str(database(isolated_home)), "disk is full")


def read_only(monkeypatch):
    real = store_sqlite.on_connect

    def query_only(connection, record):
        real(connection, record)
        connection.execute("PRAGMA query_only=ON")  # SQLite answers writes as for a read-only file

    monkeypatch.setattr(store_sqlite, "on_connect", query_only)


def test_a_read_only_store_still_lists_but_refuses_writes_in_one_line(isolated_home, monkeypatch):
    start(Store())
    read_only(monkeypatch)
    assert invoke("runs").exit_code == 0 and invoke("show", "1").exit_code == 0
    with pytest.raises(StoreError, match="cannot be written") as raised:
        start(Store())
    assert str(raised.value).startswith(f"store {database(isolated_home)}: ")


def test_a_read_only_store_with_a_dead_run_still_lists_it(isolated_home, monkeypatch):
    store = Store()
    set_run(store, start(store), pid_started=1.0)  # its process is gone: reaping it would need a write
    read_only(monkeypatch)
    result = invoke("runs")
    assert result.exit_code == 0 and "running" in result.output, result.output


def test_a_read_only_store_that_needs_migrating_is_one_line(isolated_home, monkeypatch):
    read_only(monkeypatch)
    one_line_error(invoke("runs"), str(database(isolated_home)), "cannot be written", "writable")


def test_a_folder_that_refuses_the_store_file_is_one_line(isolated_home, monkeypatch):
    def denied(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(store_sqlite, "create_private", denied)
    one_line_error(invoke("show", "1"), str(database(isolated_home)), "permission denied", "writable")


@pytest.mark.skipif(ROOT, reason=AS_ROOT)
@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_really_read_only_store_is_one_line(isolated_home, what):
    store = Store()
    set_run(store, start(store), hostname="another-host")
    store.engine.dispose()
    target = database(isolated_home) if what == "file" else isolated_home
    target.chmod(0o400 if what == "file" else 0o500)
    try:
        one_line_error(invoke("runs", "--mark-failed", "1"), str(database(isolated_home)), "cannot be written")
    finally:
        target.chmod(0o700)


def test_a_folder_where_the_store_file_should_be_is_one_line(isolated_home):
    database(isolated_home).mkdir(parents=True)
    one_line_error(invoke("runs"), str(database(isolated_home)), "cannot be opened")


def test_an_in_memory_store_is_migrated_in_its_own_engine():
    store = Store("sqlite://")
    assert store.run(start(store))[0].status == "running"


def test_a_home_that_is_a_file_is_one_line(isolated_home):
    isolated_home.parent.mkdir(parents=True, exist_ok=True)
    isolated_home.write_text("not a folder")
    for args in READ_COMMANDS:
        one_line_error(invoke(*args), str(isolated_home), "a file is in the way", "TUNEWISE_HOME")


def test_a_home_whose_path_looks_like_a_url_query_keeps_the_store_inside(tmp_path, monkeypatch):
    """Unquoted, SQLAlchemy read 'h?x' as the file 'h' with a query: the store landed outside the home."""
    monkeypatch.setenv("TUNEWISE_HOME", str(tmp_path / "h?x" / "home%41"))
    Store()
    assert (tmp_path / "h?x" / "home%41" / "tunewise.db").is_file() and not (tmp_path / "h").exists()


@pytest.mark.parametrize(
    "url",
    ["nonsense", "postgresql://me:s3cret@127.0.0.1:1/tunewise", "nosuchdb://x/y"],
    ids=["garbage", "pg", "dialect"],
)
def test_an_unusable_database_url_is_one_line_without_its_password(monkeypatch, url):
    monkeypatch.setenv("TUNEWISE_DB_URL", url)
    result = invoke("runs")
    one_line_error(result, "TUNEWISE_DB_URL")
    assert "s3cret" not in result.output


def test_sqlite_messages_become_the_reason_and_the_fix():
    locked = OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
    with pytest.raises(StoreError, match="another process holds it locked; fix: wait"), store_errors("x.db"):
        raise locked
    with pytest.raises(sqlite3.IntegrityError), store_errors("x.db"):  # a bug: it keeps its traceback
        raise sqlite3.IntegrityError("UNIQUE constraint failed: experiments.name")


# -- 3. a pid given to another process ---------------------------------------------------------------------------
def test_a_run_whose_pid_now_belongs_to_another_process_is_reaped(isolated_home):
    store = Store()
    reused, live = start(store), start(store)
    mine = proc.start_time(os.getpid())
    assert abs(store.run(live)[0].pid_started - mine) < 0.01
    set_run(store, reused, pid_started=mine - 3600)  # same pid, a process started an hour earlier: not us
    reopened = Store()
    assert reopened.run(reused)[0].status == "failed" and "ended before" in reopened.run(reused)[0].error
    assert reopened.run(live)[0].status == "running"
    set_run(reopened, reused, pid_started=None)
    reopened.reopen_run(reused, keep_steps_up_to=0)  # `tunewise resume`: the resuming process is recorded
    assert abs(reopened.run(reused)[0].pid_started - mine) < 0.01


def test_a_run_recorded_before_start_times_is_reaped_when_its_pid_started_later(isolated_home):
    store = Store()
    old, current = start(store), start(store)
    set_run(store, old, pid_started=None, started_at=datetime(2020, 1, 1))  # we started long after that run
    set_run(store, current, pid_started=None)
    reopened = Store()
    assert reopened.run(old)[0].status == "failed"
    assert reopened.run(current)[0].status == "running"


def test_a_zombie_or_impossible_pid_is_not_alive(isolated_home):
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while proc._proc_stat(zombie.pid) and proc._proc_stat(zombie.pid)[0] != "Z":
        os.sched_yield()
    store = Store()
    runs = [start(store), start(store)]
    set_run(store, runs[0], pid=zombie.pid, pid_started=proc.start_time(zombie.pid))
    set_run(store, runs[1], pid=0)
    reopened = Store()
    zombie.wait()
    assert [reopened.run(r)[0].status for r in runs] == ["failed", "failed"]


def test_migration_0003_keeps_the_runs_of_an_older_store(isolated_home):
    store = Store()
    run_id = start(store)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_measurements")
        assert "pid_started" not in {c[1] for c in connection.execute(text("PRAGMA table_info(runs)"))}
    reopened = Store()
    assert reopened.run(run_id)[0].pid_started is None and reopened.run(run_id)[0].status == "running"


def test_mark_failed_clears_a_run_of_another_host(isolated_home):
    store = Store()
    run_id = start(store)
    set_run(store, run_id, hostname="another-host")
    result = invoke("runs", "--mark-failed", run_id)
    assert result.exit_code == 0 and f"run #{run_id} marked failed" in result.output
    run = Store().run(run_id)[0]
    assert run.status == "failed" and "marked failed by hand" in run.error and run.finished_at


def test_mark_failed_refuses_a_run_whose_process_is_alive_here(isolated_home):
    run_id = start(Store())
    one_line_error(invoke("runs", "--mark-failed", run_id), f"run #{run_id} is still running", str(os.getpid()))
    assert Store().run(run_id)[0].status == "running"


def test_mark_failed_of_a_run_reaped_meanwhile_says_so(isolated_home):
    store = Store()
    run_id = start(store)
    set_run(store, run_id, pid_started=1.0)  # its process is gone: opening the store reaps it first
    result = invoke("runs", "--mark-failed", run_id)
    assert result.exit_code == 0 and f"run #{run_id} had failed already" in result.output
    assert "ended before" in Store().run(run_id)[0].error


def test_mark_failed_of_a_completed_or_unknown_run_is_one_line(isolated_home):
    complete(Store(), "exp")
    one_line_error(invoke("runs", "--mark-failed", 1), "run #1 is completed, not running")
    one_line_error(invoke("runs", "--mark-failed", 99), "no run #99")


# -- 4. experiment names as file names, and as rich markup -------------------------------------------------------
COST = {
    "train_seconds": 0.0,
    "trainable_params": 0,
    "artifact_bytes": 400,
    "seconds_per_example": 0.1,
    "prompt_tokens_per_request": 85,
    "completion_tokens_per_request": 2,
    "latency_p50_ms": 60.0,
    "latency_p95_ms": 80.0,
    "build_flops": 0.0,
}


def complete(store, name):
    """Two completed runs of experiment ``name``, enough for a decision."""
    for method_id, right in (("zero_shot", 3), ("few_shot", 5)):
        run_id = start(store, name=name, method_id=method_id, fingerprint=method_id)
        store.finish_run(
            run_id,
            metrics={"accuracy": {"value": right / 6, "low": 0.0, "high": 1.0}},
            primary="accuracy",
            measurements=Measurements(),
            cost=COST,
            details={},
            artifact_path="/nowhere",
            predictions=[
                dict(
                    split="test",
                    position=i,
                    origin=f"t:{i}",
                    input=f"x{i}",
                    target="a",
                    prediction="a" if i < right else "b",
                    correct=i < right,
                    detail={},
                )
                for i in range(6)
            ],
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x", "x.html"),
        ("a/b", "a_b.html"),
        ("[bold]x[/]", "bold_x.html"),
        ("..", "report.html"),
        ("-rf .hidden", "rf_.hidden.html"),
        ("y" * 300, "y" * 120 + ".html"),  # the file system's limit is 255 bytes
    ],
    ids=["parent", "folder", "markup", "dots", "option", "long"],
)
def test_report_default_file_stays_in_the_working_folder(tmp_path, monkeypatch, name, expected):
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    complete(Store(), name)
    result = invoke("report", "--", name)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in work.iterdir()) == [expected]
    assert not list((tmp_path / "deep").glob("*.html")) and not list(tmp_path.glob("*.html"))
    assert f"report: {work / expected}" in result.output


@pytest.mark.parametrize("name", ["[red]x[/]", "[/]"])
def test_names_that_look_like_markup_print_as_they_are(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    complete(Store(), name)
    for args in (("compare", name), ("runs",)):
        result = invoke(*args)
        assert result.exit_code == 0 and name in result.output, result.output
    out = tmp_path / "[b]r.html"
    result = invoke("report", name, "-o", out)
    assert result.exit_code == 0 and f"report: {out}" in result.output, result.output


def test_a_report_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    complete(Store(), "exp")
    (tmp_path / "afile").write_text("")
    target = tmp_path / "afile" / "r.html"
    result = invoke("report", "exp", "-o", target)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{target}: cannot write the report" in result.output.strip().splitlines()[-1]


# -- 5. what the store keeps is private; the report stays shareable ---------------------------------------------
def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_home_store_and_runs_folder_are_private(isolated_home):
    old = os.umask(0o022)
    try:
        store = Store()
        start(store)
        with store.engine.connect() as connection:  # an open connection keeps -wal and -shm in place
            connection.execute(text("SELECT 1"))
            files = {p.name: mode(p) for p in isolated_home.iterdir()}
        assert mode(home()) == 0o700 and mode(runs_dir()) == 0o700
    finally:
        os.umask(old)
    assert files.pop("runs", 0o700) == 0o700
    assert files == dict.fromkeys(["tunewise.db", "tunewise.db-wal", "tunewise.db-shm", "tunewise.db.lock"], 0o600)


def test_artifacts_written_under_private_files_are_private(isolated_home):
    old = os.umask(0o022)
    try:
        with private_files():
            artifact = runs_dir() / "7" / "artifact"
            artifact.mkdir(parents=True)
            (artifact / "weights.safetensors").write_bytes(b"w")
        after = os.umask(0o022)
    finally:
        os.umask(old)
    assert after == 0o022 and mode(artifact) == mode(artifact.parent) == 0o700
    assert mode(artifact / "weights.safetensors") == 0o600


def test_the_html_report_stays_shareable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    complete(Store(), "exp")
    old = os.umask(0o022)
    try:
        assert invoke("report", "exp").exit_code == 0
    finally:
        os.umask(old)
    assert mode(tmp_path / "exp.html") == 0o644
