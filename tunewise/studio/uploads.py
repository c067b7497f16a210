"""Data files people upload to the studio: stored under a random id (never under the name the browser sent), owner
-only, and only once the data readers have read every row, so an experiment never points at a file that fails
halfway through a run."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from tunewise.core.errors import InputError
from tunewise.core.home import home
from tunewise.data.examples import iter_examples
from tunewise.studio.inspection import Inspection, inspect_file

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the app also stops reading the request past this
SUFFIXES = ("jsonl", "csv", "parquet")
UPLOAD_ID = re.compile(r"[0-9a-f]{32}\.(jsonl|csv|parquet)")


def uploads_dir() -> Path:
    folder = home() / "studio" / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # uploads hold people's raw data, personal data included
    return folder


def save_upload(data: bytes, filename: str) -> str:
    """Store an uploaded file and return its id (``<32 hex>.<suffix>``); raises InputError, naming the client's
    file, when it is too large, of a type the readers do not know, or unreadable (with the line and the fix)."""
    suffix = _suffix_of(filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"is {len(data) / 2**20:.1f} MB; uploads are limited to {MAX_UPLOAD_BYTES // 2**20} MB",
            file=_shown(filename),
            fix="upload a sample of the rows, or run the CLI on the full file",
        )
    upload_id = f"{secrets.token_hex(16)}.{suffix}"
    folder = uploads_dir()
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=f".{suffix}")  # mkstemp: mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        _check_readable(Path(temp), filename)
        os.replace(temp, folder / upload_id)  # atomic: an id exists only for a whole file that reads
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return upload_id


def upload_path(upload_id: str) -> Path:
    """The stored file of ``upload_id``; anything but an id ``save_upload`` made (a path, another name) is refused."""
    if not isinstance(upload_id, str) or not UPLOAD_ID.fullmatch(upload_id):
        raise InputError("is not an upload id", value=upload_id, fix="upload the file again and use the id it gets")
    path = uploads_dir() / upload_id
    if not path.is_file():
        raise InputError("no upload has this id", value=upload_id, fix="upload the file again")
    return path


def inspect_upload(upload_id: str, target: str | None = None) -> Inspection:
    """Fields, preview and suggestions for an upload; ``target`` overrides the suggested answer field."""
    return inspect_file(upload_path(upload_id), target)


def _suffix_of(filename: str) -> str:
    """The suffix of the client's file name (the name itself is only shown, never used as a path)."""
    name = re.split(r"[/\\]", filename or "")[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        raise InputError(
            f"unsupported file type {'.' + suffix if suffix else '(no suffix)'}",
            file=_shown(filename),
            fix=f"upload a {', '.join('.' + s for s in SUFFIXES)} file",
        )
    return suffix


def _check_readable(path: Path, filename: str) -> None:
    """Every row read with the experiment's own readers; their error is raised naming the client's file."""
    try:
        rows = sum(1 for _ in iter_examples(path))  # the whole file: the first bad row raises
        if not rows:
            raise InputError("the file holds no examples", fix="add examples or upload another file")
    except InputError as exc:
        raise InputError(
            exc.problem, file=_shown(filename), line=exc.line, field=exc.field, value=exc.value, fix=exc.fix
        ) from None


def _shown(filename: str) -> str:
    """The client's file name as shown in messages: its last part, printable, at most 80 characters."""
    name = re.split(r"[/\\]", filename or "")[-1] or "the upload"
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= 80 else name[:77] + "..."
