"""Is the process that started a run still running? Its pid alone cannot tell: once the process dies the kernel
hands the pid to another process, and the run would look alive forever. The process's start time tells them
apart. It is read from /proc on Linux, from psutil elsewhere when installed; without either only the pid counts.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

try:  # optional: only where there is no /proc
    import psutil
except ImportError:
    psutil = None

PROC = Path("/proc")
TOLERANCE = 2.0  # seconds: the boot time in /proc/stat is rounded to whole seconds


def start_time(pid: int) -> float | None:
    """When process ``pid`` started, in seconds since the epoch; None when unknown or gone."""
    fields = _proc_stat(pid)
    if fields is not None:
        try:
            return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None
    if psutil is not None and not PROC.is_dir():
        try:
            return psutil.Process(pid).create_time()
        except psutil.Error:
            return None
    return None


def alive(pid: int, started: float | None, not_after: float | None = None) -> bool:
    """Whether process ``pid`` still runs and is the one that started at ``started``. Runs recorded without a
    start time (before migration 0003) give ``not_after`` instead: their process started no later than that."""
    if pid <= 0 or not _exists(pid):
        return False
    fields = _proc_stat(pid)
    if fields is not None and fields[0] in ("Z", "X"):  # a zombie has finished; only its exit status is left
        return False
    actual = start_time(pid)
    if actual is None:
        return True
    if started is not None:
        return abs(actual - started) <= TOLERANCE
    return not_after is None or actual <= not_after + TOLERANCE


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _proc_stat(pid: int) -> list[str] | None:
    """Fields 3 onwards of /proc/<pid>/stat (field 2, the name in parentheses, may itself hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    return text.rpartition(")")[2].split()


@functools.cache
def _boot_time() -> float:
    for line in (PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")
