"""Rows of a Parquet file as records shaped like a JSONL line's: text, numbers, booleans and nulls, with nested
columns (structs, lists, maps) kept as dicts and lists, which the task refuses only when it uses that field.

Parquet holds types JSON does not; each becomes what a JSONL file would hold: NaN (how pandas writes a missing
float) a null, dates and times ISO text, decimals and durations their text, bytes the UTF-8 text they hold.
Rows are read a batch at a time, so a caller that keeps only a sample never holds the whole file.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tunewise.core.errors import InputError

BATCH_ROWS = 1024  # rows converted to Python at a time
_FIX = "save it again as Parquet (e.g. pandas' DataFrame.to_parquet), or as .jsonl or .csv"


def parquet_rows(path: Path, handle: BinaryIO) -> Iterator[dict]:
    """The file's rows in order, as dicts (raises InputError, naming the row when known, on the first bad one)."""
    # Deferred: pyarrow is a large library and only Parquet files need it.
    import pyarrow
    import pyarrow.parquet

    unreadable = (pyarrow.ArrowException, OSError, UnicodeDecodeError)
    try:
        file = pyarrow.parquet.ParquetFile(handle)
    except unreadable as exc:
        raise _unreadable(path, exc, None) from None
    _check_columns(path, file.schema_arrow.names)
    batches, number = file.iter_batches(batch_size=BATCH_ROWS), 0
    while True:
        try:
            batch = next(batches, None)
            rows = batch.to_pylist() if batch is not None else []
        except unreadable as exc:
            raise _unreadable(path, exc, number + 1) from None
        if batch is None:
            return
        for row in rows:
            number += 1
            yield {name: _plain(value, path, number, name) for name, value in row.items()}


def _unreadable(path: Path, exc: BaseException, row: int | None) -> InputError:
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return InputError(f"not a readable Parquet file ({first})", file=str(path), line=row, fix=_FIX)


def _check_columns(path: Path, names: list[str]) -> None:
    """Two columns of one name would merge into one field, the last silently winning."""
    seen = set()
    for name in names:
        if name in seen:
            raise InputError("the file names a column twice", file=str(path), field=name, fix="rename one of them")
        seen.add(name)


def _plain(value: object, path: Path, row: int, field: str) -> object:
    """``value`` as a JSONL record would hold it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {key: _plain(item, path, row, field) for key, item in value.items()}
    if isinstance(value, list | tuple):  # a map column reads as a list of (key, value) pairs
        return [_plain(item, path, row, field) for item in value]
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes):
        return _text_of(value, path, row, field)
    return str(value)  # decimals, durations


def _text_of(value: bytes, path: Path, row: int, field: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "holds binary data, not UTF-8 text",
            file=str(path),
            line=row,
            field=field,
            value=value[:8],
            fix="drop the column or store it as text",
        ) from None
