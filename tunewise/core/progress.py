"""Progress for long steps: a live bar in a terminal; in a log or a pipe, a line when a step starts, at most one
line every ``TUNEWISE_PROGRESS_SECONDS`` (default 30) while it runs, and one when it ends. Carriage-return
updates written to a file become thousands of lines in CI logs and `less`, so none are written there."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator

from tqdm.auto import tqdm


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", unit: str = "it"):
    """A tqdm bar on a terminal, else a ``QuietProgress``; ``desc=""`` shows nothing at all."""
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if not desc:
        return tqdm(iterable, total=total, disable=True)
    if sys.stderr.isatty():
        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False)
    return QuietProgress(iterable, total=total, desc=desc, unit=unit)


class QuietProgress:
    """The part of tqdm's interface tunewise uses, printing plain lines at a bounded rate."""

    def __init__(self, iterable=None, *, total=None, desc="", unit="it"):
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n, self.postfix, self.closed = 0, {}, False
        self.every = float(os.environ.get("TUNEWISE_PROGRESS_SECONDS", 30))
        self.started = self.last = time.monotonic()
        self._line("started")

    def __iter__(self) -> Iterator:
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(self._position(now))

    def set_postfix(self, postfix=None, refresh: bool = True, **values) -> None:
        self.postfix = {**(postfix or {}), **values}

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line(f"done, {self._position(time.monotonic())}")

    def _position(self, now: float) -> str:
        of = f"/{self.total}" if self.total else ""
        rate = self.n / max(now - self.started, 1e-9)
        extra = "".join(f", {k} {v}" for k, v in self.postfix.items())
        return f"{self.n}{of} {self.unit} in {now - self.started:.0f} s ({rate:.2f} {self.unit}/s){extra}"

    def _line(self, text: str) -> None:
        print(f"{self.desc}: {text}", file=sys.stderr, flush=True)
