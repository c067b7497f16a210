"""tunewise's speed, measured side by side on the real packaged model and data, written to RESULTS.md and
results.json (in --out, default bench/) and printed as tables.

    .venv/bin/python bench/run.py [--quick] [--out DIR]      (make bench: the full run)

a. classification evaluation: tunewise's evaluate against naive per-example generation and naive
   per-(prompt, label) scoring (eval_speed.py)
b. LoRA training: tunewise's trainer against a plain Trainer + PEFT script; padding waste; MFU (train_speed.py)
c. the demo's wall time, `tunewise run examples/rotten_tomatoes.yaml` end to end (demo_time.py; full mode only)
d. executor speed-up: --executor local against --executor dask --workers 2 (executor_speed.py)
e. section b on a CUDA GPU in bf16, when there is one (gpu_speed.py)

--quick: a few examples and steps (the packaged model still), about 1-2 minutes on 2 cores; the demo is skipped.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

import demo_time
import eval_speed
import executor_speed
import gpu_speed
import machine
import report
import torch
import train_speed
import workload

HERE = Path(__file__).resolve().parent
# (test examples each evaluation way scores, training steps per side: None is one epoch of the demo's split).
SIZES = {True: (8, 3), False: (64, None)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no demo run (about 1-2 minutes)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for RESULTS.md and results.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    evaluated, steps = SIZES[args.quick]
    info = machine.describe()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['torch_threads']} torch threads, torch "
        f"{info['torch']}, load {info['load_at_start']}",
        flush=True,
    )
    demo = workload.load()
    sections = []
    for step in (
        lambda: eval_speed.measure(demo, evaluated),
        lambda: train_speed.measure(demo, steps, lambda: machine.matmul_peak("cpu", torch.float32)),
        lambda: gpu_speed.measure(steps),
        lambda: executor_speed.executor_speedup(args.quick),
        lambda: demo_time.measure(args.quick),
    ):
        before = machine.load()
        section = step()
        section.notes.append(f"Load average while measured: {before} at the start, {machine.load()} at the end.")
        report.print_section(section)
        sections.append(section)
    info["load_at_end"] = machine.load()
    sections.sort(key=lambda section: section.title)  # a, b, c, d, e, whatever order they ran in
    meta = {
        "command": " ".join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "seconds": time.perf_counter() - started,
        "model": demo.base.name,
        "dataset": demo.config.data.dataset,
    }
    md, js = report.write(args.out, sections, info, meta)
    print(f"wrote {md} and {js} in {meta['seconds']:.0f} s")


if __name__ == "__main__":
    main()
