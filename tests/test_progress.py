"""Progress output: plain, rate-limited lines when stderr is not a terminal (CI logs, pipes, files)."""

from __future__ import annotations

import subprocess
import sys

from tunewise.core.progress import QuietProgress, progress


def test_piped_progress_prints_a_start_line_a_bounded_number_of_updates_and_an_end(capsys, monkeypatch):
    monkeypatch.setenv("TUNEWISE_PROGRESS_SECONDS", "3600")
    bar = progress(total=10_000, desc="scoring", unit="ex")
    assert isinstance(bar, QuietProgress)  # pytest captures stderr: not a terminal
    for _ in range(10_000):
        bar.update(1)
    bar.set_postfix(loss="0.123")
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "scoring: started" and len(lines) == 2
    assert lines[1].startswith("scoring: done, 10000/10000 ex in") and "loss 0.123" in lines[1]
    assert "\r" not in "".join(lines)


def test_an_interval_of_zero_prints_every_update_and_iteration_closes_the_bar(capsys, monkeypatch):
    monkeypatch.setenv("TUNEWISE_PROGRESS_SECONDS", "0")
    assert list(progress(range(3), desc="latency", unit="req")) == [0, 1, 2]
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "latency: started" and lines[-1].startswith("latency: done, 3/3 req")
    assert len(lines) == 5  # started, three updates, done


def test_a_run_piped_to_a_file_writes_no_carriage_returns(tmp_path, sentiment_jsonl, tiny_model_dir):
    experiment = tmp_path / "piped.yaml"
    experiment.write_text(
        f"name: piped\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {tiny_model_dir}}}\nbudget: {{max_steps: 4}}\nstability: {{variants: 1, examples: 4}}\n"
        "forgetting: {texts: 0}\nmethods:\n  - method: zero_shot\n  - {method: lora, r: 2, batch_size: 4}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tunewise.cli", "run", str(experiment)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "Loading weights" not in result.stderr
    assert "lora: training: started" in result.stderr and "lora: training: done, 4/4 step" in result.stderr
    assert len(result.stderr.splitlines()) < 80  # a line per stage, not one per tick
