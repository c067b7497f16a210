"""The machine a benchmark ran on, and its measured matrix-multiply peak (the denominator of MFU)."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch

# Square matmul sizes: large enough to reach the BLAS/tensor-core peak, small enough to time in a second or two.
CPU_SIZE, CUDA_SIZE = 2048, 8192
REPEATS = 8


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def describe() -> dict:
    """CPU model, cores, torch threads and versions, the GPU if any, and the load when the bench started."""
    import peft
    import transformers

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": platform.python_version(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "load_at_start": load(),
    }
    return info


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def matmul_peak(device: str = "cpu", dtype: torch.dtype = torch.float32, size: int | None = None) -> dict:
    """FLOP/s of a large square ``torch.matmul`` on ``device``, best of ``REPEATS`` after a warm-up: on the CPU
    timed by the wall clock with torch's threads (the threads training uses), on CUDA with CUDA events."""
    size = size or (CUDA_SIZE if device == "cuda" else CPU_SIZE)
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    flops = 2 * size**3
    best = float("inf")
    with torch.inference_mode():
        torch.matmul(a, b)  # warm-up: allocation, kernel selection
        for _ in range(REPEATS):
            if device == "cuda":
                begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                begin.record()
                torch.matmul(a, b)
                end.record()
                torch.cuda.synchronize()
                seconds = begin.elapsed_time(end) / 1000
            else:
                started = time.perf_counter()
                torch.matmul(a, b)
                seconds = time.perf_counter() - started
            best = min(best, seconds)
    timer = "CUDA events" if device == "cuda" else f"wall clock, {torch.get_num_threads()} torch threads"
    return {
        "flops_per_second": flops / best,
        "how": f"{size}x{size} {str(dtype).removeprefix('torch.')} torch.matmul, best of {REPEATS} ({timer})",
    }
