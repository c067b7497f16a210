"""Read examples from JSONL and CSV files, remembering where each came from so errors can point at it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.errors import InputError

READERS = {}
MAX_CSV_FIELD = 16 * 1024 * 1024  # larger cells are refused with their line; Task refuses long inputs anyway


@dataclass(frozen=True)
class Example:
    fields: dict
    source: str
    line: int


def reader(*suffixes: str):
    def register(function):
        for suffix in suffixes:
            READERS[suffix] = function
        return function

    return register


def load_examples(path: str | Path) -> list[Example]:
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=str(path), fix="check the path in the experiment file")
    read = READERS.get(path.suffix.lower())
    if read is None:
        raise InputError(
            f"unsupported file type {path.suffix!r}", file=str(path), fix=f"use one of {', '.join(sorted(READERS))}"
        )
    examples = read(path, _decode(path))
    if not examples:
        raise InputError("the file holds no examples", file=str(path), fix="add examples or point at another file")
    return examples


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"bytes that are not UTF-8 at byte {exc.start}",
            file=str(path),
            line=line,
            value=raw[exc.start : exc.start + 4],
            fix="re-save the file as UTF-8",
        ) from None


@reader(".jsonl", ".ndjson")
def read_jsonl(path: Path, text: str) -> list[Example]:
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"malformed JSON ({exc.msg} at column {exc.colno})",
                file=str(path),
                line=number,
                value=line,
                fix="write one JSON object per line",
            ) from None
        if not isinstance(record, dict):
            raise InputError(
                "each line must be a JSON object", file=str(path), line=number, value=record, fix='use {"field": ...}'
            )
        examples.append(Example(record, str(path), number))
    return examples


@reader(".csv")
def read_csv(path: Path, text: str) -> list[Example]:
    csv.field_size_limit(MAX_CSV_FIELD)  # the default (128 kB) fails inside the csv module with no line number
    rows = csv.reader(io.StringIO(text, newline=""))
    header = _next_row(rows, path, 1)
    if not header:
        return []
    _check_header(path, header)
    examples = []
    while True:
        start = rows.line_num + 1
        row = _next_row(rows, path, start)
        if row is None:
            return examples
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            spans = (
                f" (this row runs from line {start} to {rows.line_num}: an unclosed quote?)"
                if rows.line_num > start
                else ""
            )
            raise InputError(
                f"row has {len(row)} columns but the header has {len(header)}{spans}",
                file=str(path),
                line=start,
                value=row,
                fix="quote cells that contain commas, close every quote, and give every row the header's columns",
            )
        examples.append(Example(dict(zip(header, row, strict=True)), str(path), start))


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
