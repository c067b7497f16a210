"""The HTML report rendered by a real browser (Debian's chromium, headless, with every host name unresolvable),
from a real store holding an experiment whose answer is known: lora is clearly best."""

import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.record import Measurements
from tunewise.store import Store

N = 120
LABELS = ["fresh", "rotten"]
SNAPSHOT = {
    "task": {"type": "classification", "labels": LABELS},
    "model": {"name": "smollm2-135m-instruct"},
    "seed": 0,
    "decision": {"requests_per_month": 50_000, "horizon_months": 6},
    "prices": {"cpu_hour_usd": 0.2, "gpu_hour_usd": 2.5, "models": {}},
}
METHODS = {  # method id -> (test examples it gets right, training seconds, seconds per example)
    "zero_shot": (66, 0.0, 0.09),
    "few_shot": (72, 0.0, 0.13),
    "lora": (108, 200.0, 0.05),
}


def store_run(store: Store, experiment_id: int, method_id: str, right: int, train_seconds: float, speed: float):
    run_id = store.start_run(
        experiment_id,
        method_id=method_id,
        method=method_id,
        config={},
        fingerprint=method_id,
        environment={"cuda": None},
        code_version="test",
        split_sizes={"train": 400, "validation": 60, "test": N},
    )
    rng = np.random.default_rng(len(method_id))
    correct = np.zeros(N, bool)
    correct[rng.permutation(N)[:right]] = True
    targets = [LABELS[i % 2] for i in range(N)]
    guesses = [t if ok else LABELS[1 - i % 2] for i, (t, ok) in enumerate(zip(targets, correct, strict=True))]
    accuracy = right / N
    for step in range(1, 6) if train_seconds else ():
        store.log_metric(run_id, step * 10, "loss", 2.0 / step)
        store.log_metric(run_id, step * 10, "validation", 0.5 + step * 0.05)
    store.finish_run(
        run_id,
        metrics={
            "accuracy": {"value": accuracy, "low": accuracy - 0.07, "high": accuracy + 0.07},
            "macro_f1": {"value": accuracy - 0.01, "low": accuracy - 0.08, "high": accuracy + 0.06},
        },
        primary="accuracy",
        measurements=Measurements(
            stability={
                "mean": accuracy - 0.02,
                "std": 0.01,
                "worst": accuracy - 0.04,
                "original": accuracy,
                "scores": [accuracy - 0.04, accuracy - 0.01, accuracy - 0.01],
                "examples": 60,
                "variants": ["separator: single newline", "paraphrase: 'Task: ...'", "casing: lowercase instruction"],
            }
        ),
        cost={
            "train_seconds": train_seconds,
            "trainable_params": 921_600 if train_seconds else 0,
            "artifact_bytes": 3_600_000 if train_seconds else 400,
            "seconds_per_example": speed,
            "prompt_tokens_per_request": 85,
            "completion_tokens_per_request": 2,
            "latency_p50_ms": 60.0,
            "latency_p95_ms": 80.0,
            "build_flops": 1.2e15 if train_seconds else 0.0,
        },
        details={"prompt": {"instruction": "Classify the <b>review</b>.", "demos": [["great", "fresh"]]}},
        artifact_path="/nowhere",
        predictions=[
            {
                "split": "test",
                "position": i,
                "origin": f"test.jsonl:{i + 1}",
                "input": f"review number {i}",
                "target": t,
                "prediction": g,
                "correct": bool(ok),
                "detail": {},
            }
            for i, (t, g, ok) in enumerate(zip(targets, guesses, correct, strict=True))
        ],
    )
    return run_id


@pytest.fixture
def stored_experiment():
    store = Store()
    experiment_id = store.experiment("reviews", SNAPSHOT)
    for method_id, (right, seconds, speed) in METHODS.items():
        store_run(store, experiment_id, method_id, right, seconds, speed)
    return "reviews"


def render_in_chromium(html_file, tmp_path) -> str:
    """The DOM after the page's scripts ran; no request can leave the machine (every host is unresolvable)."""
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("Debian's chromium is needed for this test; `make test` installs it (apt-get install chromium)")
    command = [
        browser,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        html_file.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_report_renders_the_decision_in_a_browser(stored_experiment, tmp_path):
    path = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", stored_experiment, "-o", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Recommendation: lora" in result.stdout and "report:" in result.stdout

    html = path.read_text()
    loads = re.findall(r"<(?:script|link|img|iframe|object|embed)\b[^>]*\b(?:src|href)=", html)
    assert loads == [], "the report must be self-contained: no tag may load another file"
    assert "<b>review</b>" not in html and "&lt;b&gt;review&lt;/b&gt;" in html  # stored text is escaped

    dom = render_in_chromium(path, tmp_path)
    assert '<span id="recommended">lora</span>' in dom
    assert "Significantly better than zero_shot" in dom and "Significantly better than few_shot" in dom
    leaderboard = dom[dom.index('id="leaderboard"') : dom.index('id="plots"')]
    assert all(method in leaderboard for method in METHODS)
    assert leaderboard.count("<tr") == 1 + len(METHODS)
    # plotly drew every figure: quality vs cost, cost vs volume, learning curves, stability, confusion matrices
    assert dom.count('class="main-svg"') >= 5 and "Score under reworded prompts" in dom
    assert "Pareto front" in dom and "Break-even volumes" in dom
    disagreeing = sum(1 for _ in re.finditer(r"<tr data-wrong=", dom))
    assert disagreeing > 0 and f"{disagreeing} of {disagreeing} shown" in dom  # the browser's script ran


def test_report_with_other_constraints_from_the_yaml(stored_experiment, tmp_path):
    experiment = tmp_path / "reviews.yaml"
    experiment.write_text(
        "name: reviews\ntask: {target: label}\ndata: {path: x.jsonl}\nmethods: [{method: zero_shot}]\n"
        "decision: {max_build_usd: 0.001}\n"
    )
    path = tmp_path / "cheap.html"
    result = CliRunner().invoke(cli, ["report", str(experiment), "-o", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Recommendation: few_shot" in result.stdout or "Recommendation: zero_shot" in result.stdout
    assert "above max_build_usd" in path.read_text()


def test_report_of_an_unknown_experiment_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["report", "nope", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "no experiment named 'nope'" in result.output
    assert not (tmp_path / "x.html").exists()
