"""How steady the throughput calibration (which prices every run) is when other processes load the machine.

    .venv/bin/python bench/calibration.py [--repeats 3] [--hogs 2]

Calibrates the packaged model afresh ``--repeats`` times on a quiet machine, then as many times with ``--hogs``
busy-looping processes beside it, and prints each reading and the largest difference between the two medians.
Wall-clock timing of the same probes is shown beside, which is what prices used to follow.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch

from tunewise.models import load_base
from tunewise.models.calibration import calibrate
from tunewise.models.config import ModelConfig


def wall_rate(backend) -> float:
    """The same read probe timed by the wall clock with torch's threads: the old way."""
    ids = torch.randint(0, backend.model.config.vocab_size, (4, 16))
    with torch.inference_mode():
        backend.model(input_ids=ids)
        started = time.perf_counter()
        for _ in range(5):
            backend.model(input_ids=ids)
    return 2 * backend.parameter_count() * 4 * 16 * 5 / (time.perf_counter() - started)


def readings(backend, repeats: int) -> list[tuple[float, float, float]]:
    out = []
    for _ in range(repeats):
        speed = calibrate(backend, refresh=True, keep=False)  # the machine's cached rate, which prices runs, stays
        out.append((speed.read_flops_per_second, speed.generate_flops_per_second, wall_rate(backend)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hogs", type=int, default=2)
    args = parser.parse_args()
    backend = load_base(ModelConfig())
    quiet = readings(backend, args.repeats)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    try:
        busy = readings(backend, args.repeats)
    finally:
        for hog in hogs:
            hog.kill()
    print(f"{backend.name}, {torch.get_num_threads()} torch threads, {args.hogs} busy processes beside the busy runs")
    print("| | read GFLOP/s (calibrated) | generate GFLOP/s (calibrated) | read GFLOP/s (wall clock) |")
    print("|---|---|---|---|")
    for name, rows in (("quiet", quiet), ("busy", busy)):
        cells = [", ".join(f"{row[i] / 1e9:.1f}" for row in rows) for i in range(3)]
        print(f"| {name} | {' | '.join(cells)} |")
    change = [statistics.median(r[i] for r in busy) / statistics.median(r[i] for r in quiet) - 1 for i in range(3)]
    print(f"| busy vs quiet (medians) | {change[0]:+.1%} | {change[1]:+.1%} | {change[2]:+.1%} |")


if __name__ == "__main__":
    main()
