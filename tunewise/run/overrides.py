"""``--set key.path=value`` overrides (each value read as YAML, as safely as the file), and the YAML line of every
key path (for error messages)."""

from __future__ import annotations

from typing import Any

import yaml

from tunewise.core.typed import Problems, format_path
from tunewise.run.yaml_safe import YamlRefused, read_yaml


def line_numbers(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Recursive over the expanded document: read_yaml bounds its depth and size first."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(line_numbers(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            lines.update(line_numbers(value, (*path, i)))
    return lines


def apply_overrides(data: Any, overrides: list[str], problems: Problems) -> Any:
    """Apply ``key.path=value`` overrides; a list item is addressed by index or by its method id."""
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            problems.add((), f"override {override!r} must look like key.path=value, e.g. seed=3")
            continue
        try:
            _, value, refused = read_yaml(raw)
        except (yaml.YAMLError, YamlRefused) as exc:
            refused = exc.problems if isinstance(exc, YamlRefused) else [str(exc).splitlines()[0]]
        if refused:
            reason = "; ".join(refused)
            problems.add(tuple(key.split(".")), f"--set value {_short(raw)} is not valid YAML ({reason}); quote text")
            continue
        _set_path(data, key.split("."), value, problems)
    return data


def _short(raw: str) -> str:
    return repr(raw) if len(raw) <= 60 else repr(raw[:57] + "...")


def _set_path(data: Any, keys: list[str], value: Any, problems: Problems) -> None:
    node = data
    for depth, key in enumerate(keys[:-1]):
        node = _child(node, key)
        if node is None:
            problems.add(tuple(keys[: depth + 1]), "override names a key path that does not exist")
            return
    last = keys[-1]
    if isinstance(node, list):
        index = _list_index(node, last)
        if index is None:
            problems.add(tuple(keys), "override names a list item that does not exist")
            return
        node[index] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        problems.add(tuple(keys), f"cannot set a key inside {format_path(tuple(keys[:-1]))}")


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.setdefault(key, {}) if key not in node else node[key]
    if isinstance(node, list):
        index = _list_index(node, key)
        return node[index] if index is not None else None
    return None


def _list_index(items: list, key: str) -> int | None:
    if key.isdigit() and int(key) < len(items):
        return int(key)
    for i, item in enumerate(items):
        if isinstance(item, dict) and key in (item.get("id"), item.get("method")):
            return i
    return None
