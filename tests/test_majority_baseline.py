"""The majority-label reference row: always answering the training split's most frequent label, scored on the
same test targets with the task's metric and bootstrap interval; shown on every classification leaderboard
(terminal, JSON, HTML), never a candidate, and named in the caveats when no method beats it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from tunewise.cli import cli
from tunewise.decide.candidates import Candidate
from tunewise.decide.costs import CostProfile
from tunewise.decide.recommend import decide
from tunewise.decide.settings import DecisionConfig
from tunewise.evaluate.bootstrap import bootstrap_interval
from tunewise.report.as_json import decision_as_dict
from tunewise.report.html import render_report
from tunewise.report.leaderboard import leaderboard_table
from tunewise.store import Store
from tunewise.tasks.metrics import METRICS

LABELS = ["a", "b"]
TARGETS = ["a"] * 12 + ["b"] * 8  # always answering 'a' is right 12 times in 20: 0.600 by hand
TRAIN = {"a": 30, "b": 10}


def candidate(name: str, right: int, train_counts=TRAIN) -> Candidate:
    """A method right on its first ``right`` test examples (wrong ones answer the other label)."""
    correct = [i < right for i in range(len(TARGETS))]
    guesses = [t if ok else ("b" if t == "a" else "a") for t, ok in zip(TARGETS, correct, strict=True)]
    value = right / len(TARGETS)
    return Candidate(
        method_id=name,
        method=name,
        run_id=1,
        metric="accuracy",
        value=value,
        low=value - 0.1,
        high=value + 0.1,
        other_metrics={},
        costs=CostProfile(
            build_seconds=0.0,
            build_device="cpu",
            build_flops=0.0,
            build_usd=0.0,
            usd_per_1k_requests=0.01,
            billing="compute time",
            throughput_per_s=10.0,
            latency_p50_ms=25.0,
            latency_p95_ms=50.0,
            prompt_tokens=80,
            completion_tokens=1,
            trainable_params=0,
            artifact_bytes=100,
        ),
        positions=list(range(len(TARGETS))),
        inputs=[f"text {i}" for i in range(len(TARGETS))],
        targets=list(TARGETS),
        guesses=guesses,
        correct=correct,
        split_sizes={"train": 40, "validation": 10, "test": len(TARGETS)},
        train_label_counts=train_counts,
    )


def text_of(table) -> str:
    console = Console(width=250, record=True)
    console.print(table)
    return console.export_text()


def test_the_reference_row_is_the_majority_label_scored_like_the_methods():
    decision = decide([candidate("zero_shot", 10), candidate("few_shot", 11)], DecisionConfig(), LABELS, seed=0)
    ref = decision.reference
    assert ref.label == "a" and ref.value == pytest.approx(0.6) and ref.train_share == pytest.approx(0.75)
    low, high = bootstrap_interval(METRICS.get("accuracy"), ["a"] * 20, TARGETS, LABELS, seed=0)
    assert (ref.low, ref.high) == (low, high) and low < 0.6 < high
    assert ref.name not in [c.method_id for c in decision.candidates]
    assert decision.recommended.method_id == "few_shot"  # a reference is never recommended

    table = text_of(leaderboard_table("t", decision))
    row = next(line for line in table.splitlines() if "always 'a' (majority of train)" in line)
    assert f"0.600 [{low:.3f}, {high:.3f}]" in row and "reference" in row

    found = decision_as_dict("x", decision)
    assert found["reference"]["label"] == "a" and found["reference"]["accuracy"]["value"] == pytest.approx(0.6)
    assert "always 'a' (majority of train)" not in [row["method_id"] for row in found["leaderboard"]]


def test_the_caveat_says_plainly_when_no_method_beats_the_constant_answer():
    below = decide([candidate("zero_shot", 10), candidate("few_shot", 11)], DecisionConfig(), LABELS)
    caveat = [c for c in below.caveats if c.startswith("No method beats")]
    assert caveat == [
        "No method beats always answering 'a' (accuracy 0.60), the most frequent label of the training split: a "
        "constant answer does as well as every method here (for prompt methods, try calibration: auto)."
    ]
    above = decide([candidate("zero_shot", 10), candidate("lora", 16)], DecisionConfig(), LABELS)
    assert not [c for c in above.caveats if c.startswith("No method beats")]


def test_the_majority_follows_train_not_test_and_is_absent_without_counts():
    flipped = decide([candidate("zero_shot", 10, {"a": 5, "b": 9})], DecisionConfig(), LABELS)
    assert flipped.reference.label == "b" and flipped.reference.value == pytest.approx(0.4)
    assert decide([candidate("zero_shot", 10, None)], DecisionConfig(), LABELS).reference is None


def test_the_html_report_shows_the_reference_row():
    decision = decide([candidate("zero_shot", 10), candidate("few_shot", 11)], DecisionConfig(), LABELS)
    html = render_report(decision, "x")
    row = html[html.index('<tr class="reference"') :].split("</tr>")[0]
    assert "always &#39;a&#39; (majority of train)" in row and "0.600" in row
    assert row.count("<td>") == html.split('<section id="leaderboard">')[1].split("</thead>")[0].count("</th>")


EXPERIMENT = """\
name: majority
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
"""


def test_a_stored_run_carries_its_training_label_counts_to_compare_json(tmp_path, tiny_model_dir):
    rows = [{"text": f"review {i}", "label": "fresh" if i % 4 else "rotten"} for i in range(40)]  # 3:1
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = tmp_path / "majority.yaml"
    path.write_text(EXPERIMENT.format(data=data, model=tiny_model_dir))
    runner = CliRunner()
    ran = runner.invoke(cli, ["run", str(path), "--set", "data.acknowledge=[imbalance]"])
    assert ran.exit_code == 0, ran.output
    shown = runner.invoke(cli, ["compare", "majority", "--json"])
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)
    ref, run = found["reference"], found["leaderboard"][0]
    assert ref["label"] == "fresh" and ref["train_share"] == pytest.approx(0.75, abs=0.05)
    # On the same test targets as the method: its accuracy is the share of 'fresh' among them.
    targets = [row.target for row in Store().predictions(run["run"])]
    share = targets.count("fresh") / len(targets)
    assert ref["accuracy"]["value"] == pytest.approx(share)
    assert ref["accuracy"]["low"] <= share <= ref["accuracy"]["high"]
