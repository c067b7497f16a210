"""Both ends of the Unix socket between the parent process and rank 0 of ``launcher: accelerate``.

Rank 0 sends ``("event", callback name, state, logs)`` for Trainer's events (the parent replays them on its
progress bar and store logging), ``("log", step, name, value)``, ``("validate",)`` once the weights to score are
in the weights file (the parent answers with the score), and ``("done", TrainResult fields)`` once the trained
weights are. Messages are small; weights travel through files in the private folder.
"""

from __future__ import annotations

import os
import socket
import time
from multiprocessing.connection import Client, Connection
from pathlib import Path
from types import SimpleNamespace

import torch

from tunewise.core.errors import TunewiseError

CHANNEL, WEIGHTS = "channel", "weights.pt"
CONNECT_S = 600  # rank 0 must call in by then (Python, torch and the job file loaded)
JOIN_S = 120  # the ranks must exit by then once rank 0 has reported
POLL_S = 0.2


class Parent:
    """The parent's end: answers rank 0 until it reports, watching the ranks; a failed rank becomes one line."""

    def __init__(self, folder: Path, model, validate, log, watchers: list, processes: int):
        self.folder, self.model, self.validate, self.log = folder, model, validate, log
        self.watchers, self.processes, self.connection = watchers, processes, None

    def serve(self, ranks, server: socket.socket) -> dict:
        self.connection = self._accept(ranks, server)
        while True:
            kind, *payload = self._receive(ranks)
            if kind == "done":
                self._load()
                return payload[0]
            if kind == "validate":
                self._load()
                self.connection.send(self.validate())
            elif kind == "log":
                self.log(*payload)
            else:  # a Trainer event of rank 0, replayed here
                name, state, logs = payload
                for watcher in self.watchers:
                    getattr(watcher, name)(None, SimpleNamespace(**state), None, logs=logs)

    def join(self, ranks) -> None:
        result = ranks.wait(JOIN_S, period=POLL_S)
        if result is None:
            raise TunewiseError(f"launcher accelerate: the ranks did not exit within {JOIN_S} s of finishing")
        if result.is_failed():
            raise failure(result, self.processes)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def _load(self) -> None:
        """The weights rank 0 wrote, into this process's model (which then holds what rank 0 trained)."""
        device = next(self.model.parameters()).device
        weights = torch.load(self.folder / WEIGHTS, map_location=device, weights_only=True)
        unexpected = self.model.load_state_dict(weights, strict=False).unexpected_keys
        if unexpected:
            raise RuntimeError(f"rank 0 sent weights this model does not have: {unexpected[:3]}")
        self.model.eval()

    def _accept(self, ranks, server: socket.socket) -> Connection:
        server.settimeout(POLL_S)
        deadline = time.monotonic() + CONNECT_S
        while time.monotonic() < deadline:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                self._check(ranks)
                continue
            connection.setblocking(True)
            return Connection(connection.detach())
        raise TunewiseError(f"launcher accelerate: rank 0 did not start within {CONNECT_S} s")

    def _receive(self, ranks):
        while not self.connection.poll(POLL_S):
            self._check(ranks)
        try:
            return self.connection.recv()
        except EOFError:
            self._check(ranks, wait=JOIN_S)
            raise TunewiseError("launcher accelerate: rank 0 stopped before reporting its result") from None

    def _check(self, ranks, wait: float = 0) -> None:
        """Raise if a rank failed, or if all exited without rank 0's report (unless it is waiting to be read)."""
        result = ranks.wait(wait, period=POLL_S)
        if result is None:
            return
        if result.is_failed():
            raise failure(result, self.processes)
        if self.connection is not None and self.connection.poll(0):
            return  # exited cleanly, the report still to be read
        raise TunewiseError("launcher accelerate: the ranks exited before rank 0 reported its result")


def failure(result, processes: int) -> TunewiseError:
    """One line naming the rank that failed first and why (ranks stopped because of it come after)."""

    def first(item):
        rank, failed = item
        told = failed.error_file != "<N/A>"  # the rank wrote its exception (``@record``), not killed by a signal
        return (not told, os.path.getmtime(failed.error_file) if told else failed.timestamp, rank)

    rank, failed = min(result.failures.items(), key=first)
    message = failed.message.get("message", "") if isinstance(failed.message, dict) else failed.message
    if failed.error_file == "<N/A>":
        how = f"signal {failed.signal_name()}" if failed.exitcode < 0 else f"exit code {failed.exitcode}"
        message = f"{how}; {last_line(result.stderrs.get(rank))}"
    return TunewiseError(f"launcher accelerate: rank {rank} of {processes} failed: {' '.join(message.split())[:500]}")


def last_line(path: str | None) -> str:
    lines = Path(path).read_text(errors="replace").split("\n") if path and os.path.isfile(path) else []
    return next((line for line in reversed(lines) if line.strip()), "no output")


class Caller:
    """Rank 0's end."""

    def __init__(self, folder: Path):
        self.folder, self.connection = folder, Client(str(folder / CHANNEL), family="AF_UNIX")

    def event(self, name: str, state, logs=None) -> None:
        self.connection.send(("event", name, {"global_step": state.global_step, "max_steps": state.max_steps}, logs))

    def log(self, step: int, name: str, value: float) -> None:
        self.connection.send(("log", step, name, value))

    def validate(self, weights: dict) -> float:
        write_private(self.folder / WEIGHTS, weights)
        self.connection.send(("validate",))
        return self.connection.recv()

    def done(self, weights: dict, fields: dict) -> None:
        write_private(self.folder / WEIGHTS, weights)
        self.connection.send(("done", fields))


def write_private(path: Path, value) -> None:
    """``torch.save`` to a file only this user can read (it may hold the model and its data)."""
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        torch.save(value, file)
