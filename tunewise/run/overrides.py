"""``--set key.path=value`` overrides, and the YAML line of every key path (for error messages)."""

from __future__ import annotations

from typing import Any

import yaml

from tunewise.core.typed import Problems, format_path


def line_numbers(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
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
        _set_path(data, key.split("."), yaml.safe_load(raw), problems)
    return data


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
