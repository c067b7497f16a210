"""A name -> object registry shared by methods, models, datasets and metrics.

Each entry registers itself where it is defined, so adding one touches one place. Names are checked: a
duplicate or malformed name is a programming error raised at import time; an unknown name asked for by a
user gets an error listing what exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Generic, TypeVar

from tunewise.core.errors import TunewiseError

T = TypeVar("T")
_NAME = re.compile(r"^[a-z][a-z0-9_\-.]*$")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if not _NAME.match(name):
            raise ValueError(f"{self.kind} name {name!r} must be lowercase letters, digits, '_', '-' or '.'")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        if name not in self._entries:
            raise TunewiseError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names())}")
        return self._entries[name]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
