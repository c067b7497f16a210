"""Where a result came from: library versions, hardware and code version, stored with every run."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import tunewise

LIBRARIES = ("torch", "transformers", "peft", "accelerate", "numpy")


def environment() -> dict:
    import torch  # deferred: ~1 s to import, and the core layer stays light for commands that need no model

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "libraries": versions,
    }


def code_version() -> str:
    """tunewise's version, plus the git commit (and '+dirty') when running from a checkout."""
    root = Path(tunewise.__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return tunewise.__version__
    if sha.returncode != 0:
        return tunewise.__version__
    return f"{tunewise.__version__}+{sha.stdout.strip()}{'.dirty' if dirty.stdout.strip() else ''}"
