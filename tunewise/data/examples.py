"""Read examples from JSONL and CSV files, remembering where each came from so errors can point at it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from tunewise.errors import InputError

READERS = {}


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
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header:
        return []
    _check_header(path, header)
    examples = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(
                f"row has {len(row)} columns but the header has {len(header)}",
                file=str(path),
                line=rows.line_num,
                value=row,
                fix="quote cells that contain commas, and give every row the header's columns",
            )
        examples.append(Example(dict(zip(header, row, strict=True)), str(path), rows.line_num))
    return examples


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
