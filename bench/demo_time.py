"""Section c: the demo's wall time, `tunewise run examples/rotten_tomatoes.yaml --report ...` end to end (what
`make demo` runs) in a subprocess, in a fresh home that reuses the fetched model cache."""

from __future__ import annotations

import re

from cli_runs import run_tunewise
from report import Section
from workload import DEMO

TARGET_SECONDS = 600
DONE = re.compile(r"^(?:\[worker \d+\] )?(?P<step>.+?): done, .* in (?P<seconds>\d+) s ")


def breakdown(stderr: str) -> dict[str, int]:
    """Seconds of each step the run's progress lines report as done ('lora: training: done, ... in 106 s')."""
    steps: dict[str, int] = {}
    for line in stderr.splitlines():
        match = DONE.match(line.strip())
        if match:
            steps[match["step"]] = steps.get(match["step"], 0) + int(match["seconds"])
    return steps


def measure(quick: bool) -> Section:
    section = Section("demo", "c. The demo's wall time (make demo)")
    label = "tunewise run examples/rotten_tomatoes.yaml, end to end"
    if quick:
        section.add("seconds", label, None, "s", f"<= {TARGET_SECONDS} s", text="not measured in quick mode")
        return section
    run = run_tunewise("run", str(DEMO), "--report", "demo.html", timeout=6 * TARGET_SECONDS)
    steps = breakdown(run.stderr)
    section.details = {"returncode": run.returncode, "seconds": run.seconds, "steps": steps}
    if run.returncode != 0:
        section.add("seconds", label, None, "s", f"<= {TARGET_SECONDS} s", False, text=f"failed (rc {run.returncode})")
        section.notes.append(f"the demo failed: {run.tail()}")
        return section
    figure = section.at_most("seconds", label, run.seconds, "s", TARGET_SECONDS)
    largest = sorted(steps.items(), key=lambda kv: -kv[1])[:6]
    where = ", ".join(f"{step} {seconds} s" for step, seconds in largest)
    if not figure.met:
        section.gaps.append(
            f"The demo took {run.seconds:.0f} s against {TARGET_SECONDS} s; its largest steps by its own progress "
            f"lines: {where} (in all {sum(steps.values())} s of the {run.seconds:.0f} s; the rest is start-up, "
            "model loading, the decision and the report). See the load average noted above: other processes on the "
            "2 cores stretch every step."
        )
    elif where:
        section.notes.append(f"Largest steps, by the run's progress lines: {where}.")
    section.notes.append(
        "Wall clock of the whole command (start-up, model load, zero_shot, few_shot k=4 and lora with their "
        "test/stability/forgetting/latency measurements, the leaderboard, the decision and the HTML report) in a "
        "fresh TUNEWISE_HOME; TUNEWISE_CACHE is the fetched cache, so nothing is downloaded."
    )
    return section
