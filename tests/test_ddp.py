"""``launcher: accelerate``: LoRA trained data-parallel over two local CPU processes (DDP over Gloo) takes the
same steps as one process: the same examples in every global batch, the same loss (averaged over every
answer token of all ranks), the same weights at the end, in the parent's model. Checkpoints and resume work
as they do in one process, validation and store logging happen once, and a failing rank fails the method
with one line instead of hanging."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import psutil
import pytest
import torch
import torch.distributed as dist
from transformers import LlamaForCausalLM

from tunewise.core.errors import TunewiseError
from tunewise.evaluate import validation_score
from tunewise.methods import METHODS
from tunewise.methods.lora import LoraSettings
from tunewise.training.checkpoints import STATE_FILE

# dropout 0: LoRA dropout draws from each process's own RNG, so with it the runs are alike only in distribution.
# batch_size 5 over 2 ranks: shares of 3, the second padded with a blank example; accumulation 2 and 2 epochs
# cover the accumulation window cut at the end of an epoch and the second epoch's own order.
SETTINGS = dict(r=2, alpha=4, dropout=0.0, epochs=2, batch_size=5, gradient_accumulation=2, learning_rate=5e-3)
SETTINGS |= dict(eval_every=2, patience=50, checkpoint_every=2)
GUARD = Path(__file__).parent / "netguard"


def fit(setup, checkpoints: Path | None = None, resume: Path | None = None, base=None, **changes):
    default, task, splits, ctx, logged = setup
    logged.clear()
    ctx.checkpoint_dir, ctx.resume_from = checkpoints, resume
    torch.manual_seed(ctx.seed)  # the adapters' initial weights, as the runner seeds each method
    adapted = METHODS.get("lora").fit(base or default, task, splits, LoraSettings(**SETTINGS | changes), ctx)
    return adapted, list(logged)


LAUNCHED = dict(launcher="accelerate", processes=2)


@pytest.fixture
def network_log(tmp_path, monkeypatch):
    """Every process started meanwhile records non-loopback traffic (tests/netguard/sitecustomize.py)."""
    spec = importlib.util.spec_from_file_location("netguard", GUARD / "sitecustomize.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # this process too
    log = tmp_path / "network.log"
    monkeypatch.setenv("TUNEWISE_TEST_NETLOG", str(log))
    prepend_path(monkeypatch, GUARD)
    return log


def prepend_path(monkeypatch, folder: Path) -> None:
    """Processes started meanwhile (the ranks) import from ``folder`` too."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))


def by_step(logged, name: str) -> dict[int, float]:
    values = [(step, value) for step, metric, value in logged if metric == name]
    assert len(values) == len({step for step, _ in values}), f"{name} logged more than once at a step"
    return dict(values)


def trainable(adapted) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in adapted.backend.model.named_parameters() if p.requires_grad}


def test_two_processes_take_the_steps_one_process_takes(setup, tmp_path):
    started = time.monotonic()
    single, single_logged = fit(setup, tmp_path / "one")
    local_seconds = time.monotonic() - started
    started = time.monotonic()
    launched, launched_logged = fit(setup, tmp_path / "two", **LAUNCHED)
    launched_seconds = time.monotonic() - started

    one, two = single.details["training"], launched.details["training"]
    assert two["steps"] == one["steps"] == 6 and two["best_step"] == one["best_step"]
    assert two["train_tokens"] == one["train_tokens"]
    losses = by_step(launched_logged, "loss")
    expected = by_step(single_logged, "loss")
    assert sorted(losses) == list(range(1, 7))
    differences = {step: abs(losses[step] - expected[step]) for step in expected}
    print(f"\nlocal {local_seconds:.1f} s, 2 processes {launched_seconds:.1f} s; |loss diff| {differences}")
    assert losses == pytest.approx(expected, rel=1e-4, abs=1e-5)
    assert by_step(launched_logged, "grad_norm") == pytest.approx(by_step(single_logged, "grad_norm"), rel=1e-3)
    assert by_step(launched_logged, "validation") == by_step(single_logged, "validation")
    assert [s for s, _ in two["validation_history"]] == [2, 4, 6]  # validated once per point, not per rank

    # The parent's model holds the best validated weights, as one process leaves them.
    weights, reference = trainable(launched), trainable(single)
    assert weights.keys() == reference.keys()
    for name in weights:
        torch.testing.assert_close(weights[name], reference[name], rtol=1e-3, atol=1e-5)
    _, task, splits, _, _ = setup
    assert validation_score(launched, task, splits.validation) == pytest.approx(two["best_validation"])

    # Checkpoints: rank 0 writes the layout one process writes (Trainer adds one RNG state per rank), and
    # tunewise's state in it counts the tokens of both ranks.
    for step in (4, 6):
        alone, shared = tmp_path / "one" / f"checkpoint-{step}", tmp_path / "two" / f"checkpoint-{step}"
        names = {p.name for p in shared.iterdir()} - {"rng_state_0.pth", "rng_state_1.pth"}
        assert names == {p.name for p in alone.iterdir()} - {"rng_state.pth"}
        saved = [torch.load(folder / STATE_FILE, weights_only=True) for folder in (alone, shared)]
        assert saved[1]["tokens"]["real"] == saved[0]["tokens"]["real"]  # padding: each rank pads to its own longest
        assert saved[1]["best"]["history"] == saved[0]["best"]["history"]
    assert not (tmp_path / "two" / "checkpoint-2").exists()  # two kept, as in one process


def test_a_launched_run_resumes_from_its_checkpoint_on_loopback_only(setup, tmp_path, network_log):
    full, full_logged = fit(setup, tmp_path / "full", **LAUNCHED)
    resumed, resumed_logged = fit(setup, tmp_path / "again", resume=tmp_path / "full" / "checkpoint-4", **LAUNCHED)
    training = resumed.details["training"]
    assert training["resumed_from_step"] == 4 and training["steps"] == 6
    assert sorted(by_step(resumed_logged, "loss")) == [5, 6]  # continued at step 5, each step logged once
    assert by_step(resumed_logged, "loss") == pytest.approx({s: by_step(full_logged, "loss")[s] for s in (5, 6)})
    assert training["validation_history"] == full.details["training"]["validation_history"]
    assert training["train_tokens"] == full.details["training"]["train_tokens"]
    for name, weight in trainable(resumed).items():
        torch.testing.assert_close(weight, trainable(full)[name], rtol=1e-4, atol=1e-6)
    assert not network_log.exists() or network_log.read_text() == ""


class FailsOnRankOne(LlamaForCausalLM):
    """A model whose forward pass fails on rank 1 only (while rank 0 waits for it in a collective)."""

    def forward(self, *args, **kwargs):
        if dist.is_initialized() and dist.get_rank() == 1:
            raise RuntimeError("injected failure\nsecond line")
        return super().forward(*args, **kwargs)


def test_a_failing_rank_fails_the_method_with_one_line(setup, tiny_model_dir, monkeypatch):
    prepend_path(monkeypatch, Path(__file__).parent)  # the ranks unpickle this module's model class
    base = setup[0].with_model(FailsOnRankOne.from_pretrained(tiny_model_dir))
    started = time.monotonic()
    with pytest.raises(TunewiseError) as failed:
        fit(setup, base=base, **LAUNCHED)
    assert str(failed.value) == "launcher accelerate: rank 1 of 2 failed: RuntimeError: injected failure second line"
    assert time.monotonic() - started < 120
    assert psutil.Process().children(recursive=True) == []  # no rank left behind


def test_launcher_settings_are_checked(setup):
    _, task, splits, _, _ = setup
    with pytest.raises(ValueError, match="processes=0"):
        LoraSettings(launcher="accelerate", processes=0)
    with pytest.raises(TunewiseError, match="trains in one process"):  # before any model loads
        METHODS.get("lora").check(LoraSettings(quantization="4bit", **LAUNCHED), task, splits)
    with pytest.raises(TunewiseError, match="distributed: fsdp needs CUDA GPUs"):
        fit(setup, distributed="fsdp", **LAUNCHED)
