"""A method's own details as neutral display blocks (``Method.summary``), rendered by `tunewise show`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Section:
    """A line of text, or a titled table whose ``highlight`` row (an index) is the one that was chosen."""

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    highlight: int | None = None
