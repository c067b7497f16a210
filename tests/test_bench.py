"""`bench/run.py --quick` on the real packaged model: it writes RESULTS.md and results.json with every section,
and its figures are numbers in range. (The speed targets themselves are measured by `make bench`, not tested.)"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent


def test_quick_bench_writes_results(tmp_path):
    # The isolated home and the shared model cache (conftest) are in the environment the subprocess inherits.
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    markdown = (tmp_path / "RESULTS.md").read_text()
    sections = results["sections"]
    assert {"evaluation", "training", "demo", "executors", "gpu"} <= set(sections)
    assert results["mode"] == "quick" and results["machine"]["cores"] >= 1

    ratios = [
        figure["value"]
        for section in ("evaluation", "training")
        for figure in sections[section]["figures"].values()
        if figure["unit"] == "x"
    ]
    assert len(ratios) == 5  # vs generate and vs pairs for two prompts, the training speed-up
    assert all(math.isfinite(r) and r > 0 for r in ratios)
    training = sections["training"]["figures"]
    for key in ("padding_tunewise", "padding_plain", "epoch_padding_tunewise", "epoch_padding_plain"):
        assert 0.0 <= training[key]["value"] <= 1.0
    for key in ("mfu_tunewise", "mfu_plain"):
        assert 0.0 < training[key]["value"] <= 1.0
    for figure in (*sections["evaluation"]["figures"].values(), *training.values()):
        if figure["target"]:
            assert figure["met"] in (True, False)
    assert sections["demo"]["figures"]["seconds"]["text"] == "not measured in quick mode"
    executors = sections["executors"]["figures"]["ratio"]
    assert executors["text"] == "not available" or (executors["value"] or 0) > 0 or "failed" in executors["text"]

    for title in (s["title"] for s in sections.values()):
        assert f"## {title}" in markdown
    for words in ("Classification evaluation", "LoRA training", "demo's wall time", "Executor speed-up", "GPU"):
        assert words in markdown
    assert "one run, side by side" in markdown and results["machine"]["cpu"] in markdown
    assert "| figure | measured | target | met |" in markdown
