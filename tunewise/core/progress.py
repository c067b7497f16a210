"""Progress for long steps: a live bar in a terminal; in a log or a pipe, a line when a step starts, at most one
line every ``TUNEWISE_PROGRESS_SECONDS`` (default 30) while it runs, and one when it ends. Carriage-return
updates written to a file become thousands of lines in CI logs and `less`, so none are written there.
``TUNEWISE_PROGRESS=lines`` asks for the lines on a terminal too (an executor's workers share the parent's
terminal, where several live bars would overwrite each other).

A process may also ``listen`` to every bar (the studio's worker does, to stream a run's progress to a page):
listeners get the bar's state as a dict at most once a second per bar, and when it starts and ends."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from tqdm.auto import tqdm


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "", unit: str = "it"):
    """A tqdm bar on a terminal, else a ``QuietProgress``; ``desc=""`` shows nothing at all."""
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if not desc:
        return tqdm(iterable, total=total, disable=True)
    if sys.stderr.isatty() and not _LISTENERS and os.environ.get("TUNEWISE_PROGRESS") != "lines":
        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False)
    return QuietProgress(iterable, total=total, desc=desc, unit=unit)


_LISTENERS: list[Callable[[dict], None]] = []
NOTIFY_EVERY = 1.0  # seconds between a bar's updates to listeners


@contextmanager
def listening(listener: Callable[[dict], None]) -> Iterator[None]:
    """Call ``listener(state)`` with every progress bar's state meanwhile (see ``QuietProgress.state``)."""
    _LISTENERS.append(listener)
    try:
        yield
    finally:
        _LISTENERS.remove(listener)


class QuietProgress:
    """The part of tqdm's interface tunewise uses, printing plain lines at a bounded rate."""

    def __init__(self, iterable=None, *, total=None, desc="", unit="it"):
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n, self.postfix, self.closed = 0, {}, False
        self.every = float(os.environ.get("TUNEWISE_PROGRESS_SECONDS", 30))
        self.started = self.last = self.notified = time.monotonic()
        self._line("started")
        self._notify(force=True)

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
        self._notify()

    def set_postfix(self, postfix=None, refresh: bool = True, **values) -> None:
        self.postfix = {**(postfix or {}), **values}
        self._notify()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line(f"done, {self._position(time.monotonic())}")
            self._notify(force=True)

    def state(self) -> dict:
        """What a listener gets: the step, its position, speed, time left (when the total is known) and the
        latest values beside the bar (loss, validation score)."""
        elapsed = time.monotonic() - self.started
        rate = self.n / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.n) / rate if self.total and rate > 0 else None
        return {
            "desc": self.desc,
            "n": self.n,
            "total": self.total,
            "unit": self.unit,
            "elapsed_s": round(elapsed, 1),
            "rate": round(rate, 3),
            "eta_s": None if left is None else round(max(left, 0.0), 1),
            "postfix": {str(k): str(v) for k, v in self.postfix.items()},
            "done": self.closed,
        }

    def _notify(self, force: bool = False) -> None:
        now = time.monotonic()
        if _LISTENERS and (force or now - self.notified >= NOTIFY_EVERY):
            self.notified = now
            state = self.state()
            for listener in list(_LISTENERS):
                listener(state)

    def _position(self, now: float) -> str:
        of = f"/{self.total}" if self.total else ""
        rate = self.n / max(now - self.started, 1e-9)
        extra = "".join(f", {k} {v}" for k, v in self.postfix.items())
        return f"{self.n}{of} {self.unit} in {now - self.started:.0f} s ({rate:.2f} {self.unit}/s){extra}"

    def _line(self, text: str) -> None:
        print(f"{self.desc}: {text}", file=sys.stderr, flush=True)
