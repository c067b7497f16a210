"""`tunewise` commands run in a subprocess, in a fresh home that still reads the fetched model and data."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.home import cache_dir

TUNEWISE = Path(sys.executable).parent / "tunewise"


@dataclass
class CliRun:
    returncode: int
    seconds: float
    stdout: str
    stderr: str

    def tail(self, lines: int = 8) -> str:
        return "\n".join((self.stderr or self.stdout).strip().splitlines()[-lines:])


def run_tunewise(*args: str, cwd: Path | None = None, timeout: float = 3600) -> CliRun:
    """``tunewise ARGS`` with TUNEWISE_HOME a new temporary folder (an empty store: nothing is skipped as done)
    and TUNEWISE_CACHE the cache this process uses (the packaged model, datasets and calibration)."""
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = os.environ | {"TUNEWISE_HOME": str(home), "TUNEWISE_CACHE": str(cache_dir()), "COLUMNS": "200"}
    env.pop("TUNEWISE_DB_URL", None)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(TUNEWISE), *args], cwd=cwd or home, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return CliRun(-1, time.perf_counter() - started, out, f"timed out after {timeout:.0f} s")
    return CliRun(done.returncode, time.perf_counter() - started, done.stdout, done.stderr)
