"""Section d: what running an experiment's methods on 2 workers buys: a small experiment of prompt methods on
the packaged model run by the CLI with `--executor local` and with `--executor dask --workers 2`, each in its own
subprocess and fresh home, timed end to end. A CLI without `--executor` is recorded as not available."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cli_runs import CliRun, run_tunewise
from report import Section

WORKERS = 2
LOCAL = ("--executor", "local")
PARALLEL = ("--executor", "dask", "--workers", str(WORKERS))
LABELS = {"local": "--executor local", "dask": f"--executor dask --workers {WORKERS}"}

EXPERIMENT = """\
name: bench_executors
seed: 0
data:
  dataset: rotten_tomatoes
  limit: {{train: {train}, validation: {validation}, test: {test}}}
task:
  type: classification
  input: text
  target: label
  labels: [fresh, rotten]
  instruction: >-
    Classify the movie review. Answer "fresh" if the critic liked the movie, "rotten" if the critic disliked it.
model:
  name: smollm2-135m-instruct
  batch_size: 16
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
{methods}
"""
SIZES = {True: {"train": 4, "validation": 2, "test": 4}, False: {"train": 40, "validation": 16, "test": 48}}
METHODS = {
    True: ["zero_shot", ("few_shot", 2)],
    False: ["zero_shot", ("few_shot", 1), ("few_shot", 2), ("few_shot", 4)],
}


def experiment_file(quick: bool, folder: Path) -> Path:
    entries = []
    for method in METHODS[quick]:
        if isinstance(method, tuple):
            name, k = method
            entries.append(f"  - method: {name}\n    id: {name}_{k}\n    k: {k}")
        else:
            entries.append(f"  - method: {method}")
    path = folder / "executors.yaml"
    path.write_text(EXPERIMENT.format(methods="\n".join(entries), **SIZES[quick]), encoding="utf-8")
    return path


def unsupported(run: CliRun) -> bool:
    """The CLI refused the option itself (click's usage error), rather than failing at the work."""
    text = run.stderr.lower()
    return run.returncode == 2 and ("no such option" in text or "--executor" in text or "--workers" in text)


def executor_speedup(quick: bool) -> Section:
    """Local against dask with 2 workers, through the CLI; 'not available' where it has no --executor yet."""
    section = Section("executors", f"d. Executor speed-up with {WORKERS} workers")
    folder = Path(tempfile.mkdtemp(prefix="bench-executors-"))
    path = experiment_file(quick, folder)
    names = [m if isinstance(m, str) else f"{m[0]} k={m[1]}" for m in METHODS[quick]]
    runs = {}
    for name, flags in (("local", LOCAL), ("dask", PARALLEL)):
        run = runs[name] = run_tunewise("run", str(path), *flags, cwd=folder, timeout=1800)
        if run.returncode != 0:
            why = "not available" if unsupported(run) else f"failed (rc {run.returncode})"
            section.notes.append(f"`tunewise run FILE {' '.join(flags)}`: {run.tail(3)}")
            section.details = {"returncodes": {n: r.returncode for n, r in runs.items()}}
            local = runs["local"].seconds if name == "dask" else None  # the local run finished
            section.add("local_seconds", LABELS["local"], local, "s", text=why)
            section.add("dask_seconds", LABELS["dask"], None, "s", text=why)
            section.add("ratio", "speed-up (local / dask)", None, "x", text=why)
            return section
    local, dask = runs["local"].seconds, runs["dask"].seconds
    section.add("local_seconds", LABELS["local"], local, "s")
    section.add("dask_seconds", LABELS["dask"], dask, "s")
    section.add("ratio", "speed-up (local / dask)", local / dask, "x")
    section.details = {"local_seconds": local, "dask_seconds": dask, "sizes": SIZES[quick], "methods": names}
    section.notes.append(
        f"{len(names)} prompt methods ({', '.join(names)}) on the packaged model, rotten_tomatoes limited to "
        f"{SIZES[quick]}, stability and forgetting off (test metrics, calibration and latency still measured); "
        "each command timed end to end, start-up and model loads included, in its own fresh home."
    )
    return section
