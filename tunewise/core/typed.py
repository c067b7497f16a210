"""Build typed dataclasses from plain dicts (parsed YAML), collecting every problem instead of stopping at one.

A problem names the key path (``methods[2].rank``), the YAML line when known, the bad value and what is
allowed. Unknown keys are errors that list the allowed keys. A field may name its own ``check`` in its metadata
(value -> problem or None), reported at its line. Dataclasses may check relations between fields in
``__post_init__`` by raising ``ValueError`` (or ``Invalid``); the message is reported at that dataclass's path.
Floats must be finite: NaN passes every ``<`` check and infinity every ``>`` one.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from typing import Any, Literal, get_args, get_origin, get_type_hints

from tunewise.core.errors import TunewiseError

Path = tuple  # a key path: ("methods", 2, "rank")
MODEL_REF = "model_ref"  # field metadata: the setting names a model (checked against the experiment's models)
# field metadata: the setting names a file on the machine that runs the experiment; a relative path is read from
# the experiment file's folder, like the data paths, and the file's contents are part of the run's fingerprint
FILE_REF = "file_ref"
METHOD_REF = "method_ref"  # field metadata: the setting names another method entry (by id) this one builds on


class Invalid(TunewiseError, ValueError):
    """A value a config dataclass refuses in ``__post_init__``: ``build`` reports it at the dataclass's path
    (it is a ValueError), and code that builds a config from command-line options gets a one-line error (it is
    a TunewiseError) instead of a traceback."""


@dataclasses.dataclass
class Problems:
    lines: dict[Path, int] = dataclasses.field(default_factory=dict)
    items: list[str] = dataclasses.field(default_factory=list)

    def add(self, path: Path, message: str) -> None:
        line = self._line_for(path)
        where = f"line {line}: " if line else ""
        self.items.append(f"{where}{format_path(path) or '(top level)'}: {message}")

    def _line_for(self, path: Path) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def build(cls: type, data: Any, problems: Problems, path: Path = ()) -> Any:
    """Convert ``data`` to an instance of dataclass ``cls``; returns None when any problem was found."""
    if not isinstance(data, dict):
        problems.add(path, f"expected a mapping of {', '.join(field_names(cls))}, got {describe(data)}")
        return None
    hints = get_type_hints(cls)
    allowed = field_names(cls)
    before = len(problems.items)
    for key in data:
        if key not in allowed:
            problems.add((*path, key), f"unknown key; allowed keys: {', '.join(allowed)}")
    values = {}
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        if field.name in data:
            values[field.name] = _field(field, data[field.name], hints[field.name], problems, (*path, field.name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            problems.add((*path, field.name), f"required key is missing ({help_of(field)})")
    if len(problems.items) > before:
        return None
    try:
        return cls(**values)
    except ValueError as exc:
        problems.add(path, str(exc))
        return None


def _field(field: dataclasses.Field, value: Any, hint: Any, problems: Problems, path: Path) -> Any:
    """A field's value converted, then its own ``check`` (metadata: value -> problem or None) when it converted:
    a range problem is reported at the field's line, with every other problem of the file."""
    before = len(problems.items)
    value = convert(value, hint, problems, path)
    check = field.metadata.get("check")
    if check and len(problems.items) == before and (problem := check(value)):
        problems.add(path, problem)
    return value


def convert(value: Any, hint: Any, problems: Problems, path: Path) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        return convert(value, options[0], problems, path) if len(options) == 1 else value
    if origin is Literal:
        if value not in args:
            problems.add(path, f"{value!r} is not allowed; choose one of: {', '.join(map(str, args))}")
        return value
    if origin is list:
        if not isinstance(value, list):
            problems.add(path, f"expected a list, got {describe(value)}")
            return value
        return [convert(item, args[0], problems, (*path, i)) for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            problems.add(path, f"expected a mapping, got {describe(value)}")
            return value
        return {
            _key(k, args[0], problems, (*path, k)): convert(v, args[1], problems, (*path, k)) for k, v in value.items()
        }
    if dataclasses.is_dataclass(hint):
        return build(hint, value, problems, path)
    return _scalar(value, hint, problems, path)


def _key(key: Any, hint: Any, problems: Problems, path: Path) -> Any:
    if hint is not str or isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)  # verbalizer: {1: one} names the label "1"
    problems.add(path, f"keys must be text, got {describe(key)}{_quote_hint(key, str)}")
    return key


def _scalar(value: Any, hint: Any, problems: Problems, path: Path) -> Any:
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads 3e-4 (no dot) as a string; people mean the number
    if hint is str and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # labels: [1, 2] means the labels "1" and "2"
    if hint in (int, float) and isinstance(value, bool) or not isinstance(value, hint):
        problems.add(path, f"expected {hint.__name__}, got {describe(value)}{_quote_hint(value, hint)}")
    elif hint is float and not math.isfinite(value):
        problems.add(path, f"expected a finite number, got {value}")
    return value


def _quote_hint(value: Any, hint: Any) -> str:
    if hint is str and isinstance(value, bool):
        return " (YAML reads yes/no/on/off/true/false as booleans: quote it)"
    return ""


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing (null)"


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def help_of(field: dataclasses.Field) -> str:
    return field.metadata.get("help", "no description")
