"""What the store does differently on PostgreSQL: its driver, its connections, JSON, and its complaints.

``postgresql://user@host/db`` is used as written: SQLAlchemy 2.0 reads a URL without a driver as psycopg2, which
tunewise does not install, so such a URL gets psycopg (3), the driver tunewise depends on. PostgreSQL's ``json``
refuses NaN and Infinity, which SQLite keeps (a metric without variance, an infinite break-even volume); they
are stored tagged and read back as the same floats, so both stores return what was written.
"""

from __future__ import annotations

import json
import math

from sqlalchemy.engine import URL, make_url

DRIVER = "postgresql+psycopg"
PLAIN = ("postgresql", "postgres")  # no driver named; "postgres" is the short scheme other tools write
NON_FINITE = "$float"  # {"$float": "nan"} stands for a float that JSON cannot write
# SQLSTATE -> (why, fix, readable): the server's complaints that mean the environment, not a bug
GRANT = "connect as a user who may write the database (GRANT ... TO that user), or to its primary server"
REASONS = {
    "25006": ("it cannot be written (the database or the server is read-only)", GRANT, True),
    "42501": ("its user lacks a privilege", GRANT, True),
    "53100": ("the database server's disk is full", "free space on the database server, then run again", False),
    "53300": ("the server has no connection slot left", "raise max_connections, or close other clients", False),
    "22001": (
        "a name or id is longer than its column allows",
        "shorten the experiment name or method id to the length named",
        False,
    ),
}
# (part of psycopg's message, why, fix): refused by the driver before the server saw it
MESSAGES = (
    (
        "cannot contain nul",
        "PostgreSQL text cannot hold NUL characters (\\x00)",
        "remove the NUL characters from the data, or use a SQLite store",
    ),
)


def engine_url(url: str | URL) -> URL:
    """The URL to connect with: a PostgreSQL URL without a driver gets psycopg."""
    parsed = make_url(url)
    return parsed.set(drivername=DRIVER) if parsed.drivername in PLAIN else parsed


def engine_options(url: URL) -> dict:
    """``create_engine`` options for a PostgreSQL server: a pooled connection the server closed meanwhile
    (a restart, an idle timeout) is replaced rather than failing the next write, and JSON keeps NaN and
    Infinity."""
    if url.get_backend_name() != "postgresql":
        return {}
    return {"pool_pre_ping": True, "json_serializer": dumps, "json_deserializer": loads}


def dumps(value) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: rare, so only then walk the value
        return json.dumps(_tagged(value), allow_nan=False)


def loads(text: str | bytes):
    return json.loads(text, object_hook=_untagged)


def raised(original: BaseException) -> bool:
    """Whether psycopg (the driver or the server through it) raised the error."""
    return type(original).__module__.split(".")[0] == "psycopg"


def reason(original: BaseException, message: str) -> tuple[str, str, bool] | None:
    """(why, fix, readable) for a PostgreSQL complaint about the environment; None for a bug or another
    database's error."""
    found = REASONS.get(getattr(original, "sqlstate", None) or "")
    if found is not None:
        why, fix, readable = found
        return f"{why} ({message})", fix, readable
    for part, why, fix in MESSAGES:
        if part in message.lower():
            return why, fix, False
    return None


def _tagged(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {NON_FINITE: repr(value)}  # 'nan', 'inf' or '-inf', which float() reads back
    if isinstance(value, dict):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tagged(item) for item in value]
    return value


def _untagged(obj: dict):
    if len(obj) == 1 and isinstance(obj.get(NON_FINITE), str):
        return float(obj[NON_FINITE])
    return obj
