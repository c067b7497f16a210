"""Training rigor: a killed training process resumes from its checkpoint, and a seed gives the same numbers."""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.home import runs_dir
from tunewise.store import Store
from tunewise.training.checkpoints import STATE_FILE

EXPERIMENT = """\
name: resumable
seed: 3
data: {{path: {data}, limit: {{test: 8}}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}, batch_size: 4}}
budget: {{max_steps: {steps}}}
stability: {{variants: 0}}
methods:
  - method: lora
    r: 2
    batch_size: 2
    epochs: 40
    eval_every: 10
    patience: 100
    checkpoint_every: 10
"""


@pytest.fixture
def experiment(tmp_path, sentiment_jsonl, tiny_model_dir):
    def write(steps: int):
        path = tmp_path / f"resumable-{steps}.yaml"
        path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir, steps=steps))
        return path

    return write


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def step_losses(run_id: int) -> dict[int, float]:
    losses = [(m.step, m.value) for m in Store().step_metrics(run_id) if m.name == "loss"]
    assert len(losses) == len({step for step, _ in losses}), "a step was logged twice"
    return dict(losses)


def kill_after_first_checkpoint(path) -> int:
    """Start `tunewise run` in a child process and kill -9 it once a complete checkpoint exists."""
    child = subprocess.Popen([sys.executable, "-m", "tunewise.cli", "run", str(path)], env=os.environ.copy())
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        if list(runs_dir().glob(f"*/checkpoints/checkpoint-*/{STATE_FILE}")):
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    assert child.wait(timeout=60) == -signal.SIGKILL, "training finished before it could be killed"
    ((run, _),) = Store().runs()
    return run.id


def test_killed_training_resumes_and_matches_an_uninterrupted_run(experiment):
    path = experiment(steps=200)
    run_id = kill_after_first_checkpoint(path)
    killed = Store().run(run_id)[0]
    assert killed.status == "failed" and "killed or crashed" in killed.error  # reaped when the store reopened

    result = invoke("resume", run_id)
    assert result.exit_code == 0, result.output
    resumed = Store().run(run_id)[0]
    training = resumed.details["training"]
    assert resumed.status == "completed" and training["steps"] == 200
    assert training["resumed_from_step"] >= 10 and training["seconds_before_resume"] > 0
    assert not (runs_dir() / str(run_id) / "checkpoints").exists()  # removed once the artifact is written
    assert "already completed" in invoke("resume", run_id).output

    # The same experiment run without interruption: identical loss at every step and identical test results.
    reference = invoke("run", path, "--force")
    assert reference.exit_code == 0, reference.output
    uninterrupted = Store().runs()[0][0]
    assert sorted(step_losses(run_id)) == list(range(1, 201))
    assert step_losses(run_id) == pytest.approx(step_losses(uninterrupted.id), rel=1e-5)
    assert resumed.metrics["accuracy"]["value"] == uninterrupted.metrics["accuracy"]["value"]


def test_resume_refuses_runs_it_cannot_continue(experiment):
    assert invoke("run", experiment(steps=3)).exit_code == 0
    assert "no run #99" in invoke("resume", 99).output
    assert "already completed" in invoke("resume", 1).output


def test_same_seed_gives_the_same_numbers_twice(experiment):
    path = experiment(steps=12)
    assert invoke("run", path).exit_code == 0
    assert invoke("run", path, "--force").exit_code == 0
    second, first = (run for run, _ in Store().runs())
    assert step_losses(first.id) == step_losses(second.id)  # exact: same seed, same data order, same init
    assert first.metrics["accuracy"] == second.metrics["accuracy"]
    predictions = [[p.prediction for p in Store().predictions(run.id)] for run in (first, second)]
    assert predictions[0] == predictions[1]
