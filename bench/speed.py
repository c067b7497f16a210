"""Sections a and b of bench/run.py alone, printed and not written: tunewise's evaluation and training fast
paths against the plain ways, side by side on the real packaged model and data.

    .venv/bin/python bench/speed.py [--examples 64] [--steps N]

(``make bench`` runs every section and writes bench/RESULTS.md and bench/results.json.)
"""

from __future__ import annotations

import argparse

import eval_speed
import machine
import report
import torch
import train_speed
import workload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=64, help="test examples scored by each way")
    parser.add_argument("--steps", type=int, help="training steps per side (default: one epoch of the demo's split)")
    args = parser.parse_args()
    demo = workload.load()
    print(f"torch threads: {torch.get_num_threads()}")
    report.print_section(eval_speed.measure(demo, args.examples))
    report.print_section(train_speed.measure(demo, args.steps, lambda: machine.matmul_peak("cpu", torch.float32)))


if __name__ == "__main__":
    main()
