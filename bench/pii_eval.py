"""Precision and recall of tunewise's personal-data detectors on the labelled sample in tests/data.

    python bench/pii_eval.py [tests/data/pii_sample.jsonl]

A detection counts as right when its type and text equal a labelled match. The sample was written to probe
each detector with valid values in several formats and with look-alikes (order numbers, ISBNs, dates, times,
versions, invalid checksums), so it measures the detectors' logic, not their rate on your data.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from tunewise.data.privacy import KINDS, find_pii

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii_sample.jsonl"


def evaluate(path: Path = SAMPLE) -> dict[str, dict[str, float]]:
    right, found, labelled = Counter(), Counter(), Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        truth = {(p["kind"], p["value"]) for p in row["pii"]}
        detected = {(m.kind, m.text) for m in find_pii(row["text"])}
        for kind, _ in truth:
            labelled[kind] += 1
        for kind, _ in detected:
            found[kind] += 1
        for kind, _ in truth & detected:
            right[kind] += 1
    scores = {}
    for kind in (*KINDS, "all"):
        r = sum(right.values()) if kind == "all" else right[kind]
        f = sum(found.values()) if kind == "all" else found[kind]
        n = sum(labelled.values()) if kind == "all" else labelled[kind]
        scores[kind] = {"precision": r / f if f else 1.0, "recall": r / n if n else 1.0, "labelled": n, "found": f}
    return scores


if __name__ == "__main__":
    results = evaluate(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE)
    print(f"{'type':12} {'labelled':>8} {'found':>6} {'precision':>9} {'recall':>7}")
    for kind, s in results.items():
        print(f"{kind:12} {s['labelled']:8d} {s['found']:6d} {s['precision']:9.2f} {s['recall']:7.2f}")
