"""Training rigor: a killed training process resumes from its checkpoint, and a seed gives the same numbers."""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.home import runs_dir
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


def kill_after_checkpoint(path, at_least: int = 1) -> int:
    """Start `tunewise run` in a child process and kill -9 it once a complete checkpoint of step ``at_least`` or
    later exists."""
    child = subprocess.Popen([sys.executable, "-m", "tunewise.cli", "run", str(path)], env=os.environ.copy())
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        done = [int(p.parent.name.split("-")[1]) for p in runs_dir().glob(f"*/checkpoints/checkpoint-*/{STATE_FILE}")]
        if done and max(done) >= at_least:
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    assert child.wait(timeout=60) == -signal.SIGKILL, "training finished before it could be killed"
    ((run, _),) = Store().runs()
    return run.id


# 24 training examples at batch 2: 12 steps an epoch. Step 10 is in the first epoch, step 30 in the third,
# where the data order depends on every epoch before it.
@pytest.mark.parametrize("kill_at", [10, 30])
def test_killed_training_resumes_and_matches_an_uninterrupted_run(experiment, kill_at):
    path = experiment(steps=200)
    run_id = kill_after_checkpoint(path, at_least=kill_at)
    killed = Store().run(run_id)[0]
    assert killed.status == "failed" and "killed or crashed" in killed.error  # reaped when the store reopened

    result = invoke("resume", run_id)
    assert result.exit_code == 0, result.output
    resumed = Store().run(run_id)[0]
    training = resumed.details["training"]
    assert resumed.status == "completed" and training["steps"] == 200
    assert training["resumed_from_step"] >= kill_at and training["seconds_before_resume"] > 0
    assert not (runs_dir() / str(run_id) / "checkpoints").exists()  # removed once the artifact is written
    assert "already completed" in invoke("resume", run_id).output

    # The same experiment run without interruption: identical loss at every step and identical test results.
    reference = invoke("run", path, "--force")
    assert reference.exit_code == 0, reference.output
    uninterrupted = Store().runs()[0][0]
    assert sorted(step_losses(run_id)) == list(range(1, 201))
    assert step_losses(run_id) == pytest.approx(step_losses(uninterrupted.id), rel=1e-5)
    assert resumed.metrics["accuracy"]["value"] == uninterrupted.metrics["accuracy"]["value"]
    assert training["train_tokens"] == uninterrupted.details["training"]["train_tokens"]
    weights = [Store().predictions(r.id) for r in (resumed, uninterrupted)]
    assert [p.detail["scores"] for p in weights[0]] == [p.detail["scores"] for p in weights[1]]


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


SWEEP = """\
name: swept
seed: 0
data: {{path: {data}, limit: {{test: 8}}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}, batch_size: 4}}
budget: {{max_steps: 2}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
  - method: lora
    id: lora_sweep
    batch_size: 4
    checkpoint_every: null
    sweep:
      parameters: {{learning_rate: [1e-4, 3e-3], r: [1, 2]}}
      strategy: random
      trials: 3
      seed: 1
  - method: lora
    id: lora_cv
    r: 1
    batch_size: 4
    cross_validation: 3
"""


def test_sweep_trials_are_runs_and_only_the_best_on_validation_is_compared(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "swept.yaml"
    path.write_text(SWEEP.format(data=sentiment_jsonl, model=tiny_model_dir))
    result = invoke("run", path)
    assert result.exit_code == 0, result.output
    runs = [run for run, _ in Store().runs()]
    trials = [run for run in runs if run.measured.sweep]
    assert len(trials) == 3 and {t.measured.sweep["of"] for t in trials} == {3}
    assert all(t.method_id.startswith("lora_sweep(learning_rate=") for t in trials)
    assert len({tuple(sorted(t.measured.sweep["params"].items())) for t in trials}) == 3  # distinct trials
    best = max(trials, key=lambda r: (r.measured.sweep["validation"], -r.id))
    assert "sweep lora_sweep: 3 trials" in result.stdout
    board = invoke("compare", "swept").stdout
    assert best.method_id in board
    others = [t for t in trials if t is not best]
    assert not any(f"#{t.id} " in board.split("sweep lora_sweep")[0] for t in others)  # only the winner is ranked

    cv = next(run for run in runs if run.method_id == "lora_cv").measured.cross_validation
    assert cv["folds"] == 3 and len(cv["scores"]) == 3 and all(0 <= s <= 1 for s in cv["scores"])
    assert min(cv["scores"]) <= cv["mean"] <= max(cv["scores"])
    assert (
        "k-fold" in board
        and "3-fold cross-validation" in invoke("show", next(r.id for r in runs if r.method_id == "lora_cv")).stdout
    )


def test_sweep_typos_name_the_allowed_parameters(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "bad.yaml"
    text = SWEEP.format(data=sentiment_jsonl, model=tiny_model_dir).replace("learning_rate: [", "learnig_rate: [")
    path.write_text(text)
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert "methods[1].sweep.parameters.learnig_rate: not a parameter of this method; allowed:" in result.output
    assert "learning_rate" in result.output.split("allowed:")[1]
