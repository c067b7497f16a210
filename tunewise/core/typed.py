"""Build typed dataclasses from plain dicts (parsed YAML), collecting every problem instead of stopping at one.

A problem names the key path (``methods[2].rank``), the YAML line when known, the bad value and what is
allowed. Unknown keys are errors that list the allowed keys. Dataclasses may check relations between fields
in ``__post_init__`` by raising ``ValueError``; the message is reported at that dataclass's path.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import Any, Literal, get_args, get_origin, get_type_hints

Path = tuple  # a key path: ("methods", 2, "rank")


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
            values[field.name] = convert(data[field.name], hints[field.name], problems, (*path, field.name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            problems.add((*path, field.name), f"required key is missing ({help_of(field)})")
    if len(problems.items) > before:
        return None
    try:
        return cls(**values)
    except ValueError as exc:
        problems.add(path, str(exc))
        return None


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
        return {k: convert(v, args[1], problems, (*path, k)) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return build(hint, value, problems, path)
    return _scalar(value, hint, problems, path)


def _scalar(value: Any, hint: Any, problems: Problems, path: Path) -> Any:
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        return float(value)  # YAML 1.1 reads 3e-4 (no dot) as a string; people mean the number
    if hint in (int, float) and isinstance(value, bool) or not isinstance(value, hint):
        problems.add(path, f"expected {hint.__name__}, got {describe(value)}")
    return value


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing (null)"


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def help_of(field: dataclasses.Field) -> str:
    return field.metadata.get("help", "no description")
