"""One JSONL line to a record. ``json.loads`` accepts things that are not JSON or that the rest of the run
would read wrongly or crash on; each is refused here with the line and field: duplicate keys (the last would
silently win), NaN and Infinity (read as the text 'nan'), numbers that overflow to infinity or have more digits
than Python converts, lone surrogate escapes (no UTF-8 encoding: the run would crash when writing them) and
nesting too deep to parse."""

from __future__ import annotations

import json
import math
import re

from tunewise.core.errors import InputError

MAX_INT_DIGITS = 4300  # Python's default int <-> str limit: a longer number could not be turned into text
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a lone surrogate gets into decoded text


class _Refused:
    """A value json.loads would accept but the record must not hold; says why when its field is found."""

    def __init__(self, problem: str, value: str, fix: str):
        self.problem, self.value, self.fix = problem, value, fix


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key


def parse_line(line: str, file: str, number: int) -> dict:
    where = {"file": file, "line": number}
    refused: list[_Refused] = []
    try:
        record = json.loads(
            line,
            object_pairs_hook=_object,
            parse_constant=lambda name: _refuse(refused, _not_a_number(name)),
            parse_float=lambda text: _float(text, refused),
            parse_int=lambda text: _int(text, refused),
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})",
            **where,
            value=line,
            fix="write one JSON object per line",
        ) from None
    except _DuplicateKey as exc:
        raise InputError(
            "appears twice in one JSON object (the last value would silently win)",
            **where,
            field=exc.key,
            fix="remove or rename one of them",
        ) from None
    except RecursionError:
        raise InputError(
            "JSON nested too deeply to read", **where, fix="flatten the record: fields hold text or numbers"
        ) from None
    if not isinstance(record, dict):
        raise InputError("each line must be a JSON object", **where, value=record, fix='use {"field": ...}')
    if refused or SURROGATE_ESCAPE.search(line):
        _check_values(record, where)
    return record


def _object(pairs: list[tuple[str, object]]) -> dict:
    record = dict(pairs)
    if len(record) < len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return record


def _refuse(refused: list, value: _Refused) -> _Refused:
    refused.append(value)
    return value


def _not_a_number(name: str) -> _Refused:
    return _Refused(
        f"{name} is not a JSON value (it would be read as the text {str(float(name))!r})",
        name,
        f'write null for a missing value, or "{name}" in quotes if it is text',
    )


def _float(text: str, refused: list) -> float | _Refused:
    value = float(text)
    if math.isfinite(value):
        return value
    return _refuse(refused, _Refused(f"{text} is too large for a number (it would be read as 'inf')", text, "quote it"))


def _int(text: str, refused: list) -> int | _Refused:
    if len(text.lstrip("-")) <= MAX_INT_DIGITS:
        return int(text)
    problem = f"a number with {len(text):,} digits is longer than the {MAX_INT_DIGITS:,} digits Python reads"
    return _refuse(refused, _Refused(problem, text[:20], "quote it as text, or shorten it"))


def _check_values(record: dict, where: dict) -> None:
    """Raise on the first field holding a refused value or a lone surrogate (iteratively: records nest)."""
    for field, value in record.items():
        if _surrogate(field):
            raise InputError("a field name holds a lone surrogate escape", **where, value=field, fix=_SURROGATE_FIX)
        stack = [value]
        while stack:
            value = stack.pop()
            if isinstance(value, _Refused):
                raise InputError(value.problem, **where, field=field, value=value.value, fix=value.fix)
            if isinstance(value, str) and _surrogate(value):
                problem = "holds a lone surrogate escape (half of a UTF-16 pair), which is not a character"
                raise InputError(problem, **where, field=field, value=value, fix=_SURROGATE_FIX)
            if isinstance(value, dict):
                stack += [*value.keys(), *value.values()]
            elif isinstance(value, list):
                stack += value


_SURROGATE_FIX = "write the character itself, or both halves of its pair (e.g. \\ud83d\\ude00)"


def _surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
