"""Errors a user can act on. The CLI prints them as one line; anything else is a bug and gets a traceback."""

from __future__ import annotations


class TunewiseError(Exception):
    """Base class for errors caused by input, configuration or environment, not by a bug."""


class InputError(TunewiseError):
    """Bad input: names where it is (file, line, field), what was found and how to fix it."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        fix: str | None = None,
    ):
        self.problem, self.file, self.line, self.field = problem, file, line, field
        self.value, self.fix = value, fix
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"field '{self.field}': " if self.field else ""
        value = f" (got {_short(self.value)})" if self.value is not None else ""
        fix = f"; fix: {self.fix}" if self.fix else ""
        return f"{where}{field}{self.problem}{value}{fix}"


class ConfigError(TunewiseError):
    """One or more problems in an experiment file, all reported together."""

    def __init__(self, file: str, problems: list[str]):
        self.file, self.problems = file, problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{file}: {len(problems)} problem(s) in the experiment file:\n{lines}")


class FetchError(TunewiseError):
    """A packaged model or dataset could not be fetched or failed its checksum."""


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
