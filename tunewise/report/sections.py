"""A method's own details (``Method.summary``) in the terminal: a line of text, or a table."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tunewise.core.sections import Section


def print_section(console: Console, section: Section) -> None:
    if not section.columns:
        console.print(escape(section.title))
        return
    table = Table(*section.columns, title=escape(section.title))
    for i, row in enumerate(section.rows):
        chosen = i == section.highlight
        cells = [escape(cell) for cell in row]
        cells[0] += " ★" if chosen else ""
        table.add_row(*cells, style="bold" if chosen else None)
    console.print(table)
