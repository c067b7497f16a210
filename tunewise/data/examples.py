"""Read examples from JSONL, CSV and Parquet files, remembering where each came from so errors can point at it.

Files are read one line (Parquet: one batch of rows) at a time (``iter_examples``), so a caller that keeps only
a sample never holds the whole file. Lines end at "\\n" (or "\\r\\n") only: ``str.splitlines`` also breaks on
U+0085, U+2028, U+2029 and \\x1c-\\x1e, which are valid inside a JSON string or a CSV cell.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tunewise.core.errors import InputError
from tunewise.data.folder import read_folder
from tunewise.data.jsonline import parse_line
from tunewise.data.parquet import parquet_rows

READERS = {}  # suffix -> (read, by_line): by_line readers get decoded lines, the others the open binary file
MAX_CSV_FIELD = 16 * 1024 * 1024  # larger cells are refused with their line; Task refuses long inputs anyway
MAX_LINE_BYTES = 64 * 1024 * 1024  # one physical line; past this a file is surely not line-delimited text


@dataclass(frozen=True)
class Example:
    fields: dict
    source: str
    line: int


def reader(*suffixes: str, by_line: bool = True):
    """Register ``function(path, lines)`` for text formats, or ``function(path, handle)`` (``by_line=False``)
    for formats that are not line-delimited text."""

    def register(function):
        for suffix in suffixes:
            READERS[suffix] = (function, by_line)
        return function

    return register


def load_examples(path: str | Path) -> list[Example]:
    examples = list(iter_examples(path))
    if not examples:
        raise InputError("the file holds no examples", file=str(path), fix="add examples or point at another file")
    return examples


def iter_examples(path: str | Path) -> Iterator[Example]:
    """The file's examples in order, read line by line (raises InputError on the first bad line)."""
    path = Path(path)
    # A folder of pieces (.txt, .md): one example per file; a folder named like a data file is a mistake.
    if path.is_dir() and path.suffix.lower() not in READERS:
        for fields, source in read_folder(path, _read_bytes):
            yield Example(fields, source, 1)
        return
    read, by_line = _reader_for(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror or exc})", file=str(path), fix="check the file's permissions"
        ) from None
    with handle:
        yield from read(path, _lines(path, handle) if by_line else handle)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fix = "check its permissions"
        raise InputError(f"cannot be read ({exc.strerror or exc})", file=str(path), fix=fix) from None


def _reader_for(path: Path) -> tuple:
    if not path.exists():
        raise InputError("file not found", file=str(path), fix="check the path in the experiment file")
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path), fix=f"point at a data file ({_suffixes()})")
    found = READERS.get(path.suffix.lower())
    if found is None:
        raise InputError(f"unsupported file type {path.suffix!r}", file=str(path), fix=f"use one of {_suffixes()}")
    return found


def _suffixes() -> str:
    return ", ".join(sorted(READERS))


def _lines(path: Path, handle) -> Iterator[str]:
    """Decoded lines with their "\\n" kept (the CSV reader needs it inside quoted cells)."""
    offset, number = 0, 0
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"line {number} is longer than {MAX_LINE_BYTES // 2**20} MB",
                file=str(path),
                line=number,
                fix="write one example per line",
            )
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw, offset = raw[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
        if number == 1 and b"\n" not in raw and raw.count(b"\r") > 1:
            raise InputError(
                "lines end with a carriage return alone (old Mac line endings)",
                file=str(path),
                fix="convert the line endings to \\n or \\r\\n (e.g. `tr '\\r' '\\n'`, or save again as Unix/Windows)",
            )
        yield _decode(path, raw, offset, number)
        offset += len(raw)


def _decode(path: Path, raw: bytes, offset: int, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"bytes that are not UTF-8 at byte {offset + exc.start}",
            file=str(path),
            line=number,
            value=raw[exc.start : exc.start + 4],
            fix="re-save the file as UTF-8",
        ) from None


@reader(".jsonl", ".ndjson")
def read_jsonl(path: Path, lines: Iterator[str]) -> Iterator[Example]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield Example(parse_line(line.rstrip("\r\n"), str(path), number), str(path), number)


@reader(".parquet", by_line=False)
def read_parquet(path: Path, handle: BinaryIO) -> Iterator[Example]:
    """Rows numbered from 1, reported as the "line" of errors and origins (``file.parquet:3`` is the third row)."""
    for number, fields in enumerate(parquet_rows(path, handle), start=1):
        yield Example(fields, str(path), number)


@reader(".csv")
def read_csv(path: Path, lines: Iterator[str]) -> Iterator[Example]:
    csv.field_size_limit(MAX_CSV_FIELD)  # the default (128 kB) fails inside the csv module with no line number
    rows = csv.reader(lines)
    header = _next_row(rows, path, 1)
    if not header:
        return
    _check_header(path, header)
    while True:
        start = rows.line_num + 1
        row = _next_row(rows, path, start)
        if row is None:
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            _ragged(path, row, header, start, rows.line_num)
        yield Example(dict(zip(header, row, strict=True)), str(path), start)


def _ragged(path: Path, row: list[str], header: list[str], start: int, end: int) -> None:
    spans = f" (this row runs from line {start} to {end}: an unclosed quote?)" if end > start else ""
    raise InputError(
        f"row has {len(row)} columns but the header has {len(header)}{spans}",
        file=str(path),
        line=start,
        value=row,
        fix="quote cells that contain commas, close every quote, and give every row the header's columns",
    )


def _next_row(rows, path: Path, line: int) -> list[str] | None:
    try:
        return next(rows, None)
    except csv.Error as exc:
        raise InputError(
            f"unreadable CSV ({exc})", file=str(path), line=line, fix="check quoting on this line"
        ) from None


def _check_header(path: Path, header: list[str]) -> None:
    seen = set()
    for name in header:
        if not name.strip():
            raise InputError("the header has an empty column name", file=str(path), line=1, fix="name every column")
        if name in seen:
            raise InputError(
                "the header names a column twice", file=str(path), line=1, field=name, fix="rename one of them"
            )
        seen.add(name)
