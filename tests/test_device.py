"""The device policy on a machine without a GPU: auto is the CPU in float32, a GPU asked for is one clear error,
and every run records where it ran."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.errors import InputError
from tunewise.models import load_base
from tunewise.models.config import ModelConfig
from tunewise.models.device import resolve
from tunewise.store import Store

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the policy on a machine without CUDA")


def test_auto_resolves_to_the_cpu_in_float32():
    placement = resolve("auto", "auto")
    assert placement.device == torch.device("cpu") and placement.dtype == torch.float32
    assert placement.record()["hardware"]  # the CPU's model name, which prices are keyed by


@pytest.mark.parametrize(
    ("device", "dtype", "message"),
    [
        ("cuda", "auto", "no CUDA GPU"),
        ("cuda:1", "auto", "no CUDA GPU"),
        ("cpu", "bfloat16", "emulated"),
    ],
)
def test_what_this_machine_cannot_do_is_refused_before_loading(device, dtype, message, tiny_model_dir):
    with pytest.raises(InputError, match=message):
        load_base(ModelConfig(path=str(tiny_model_dir), device=device, dtype=dtype))


def test_a_bad_device_name_is_a_config_error_naming_the_choices(tmp_path, sentiment_jsonl):
    path = tmp_path / "gpu.yaml"
    path.write_text(
        f"name: gpu\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        "model: {device: gpu0}\nmethods:\n  - method: zero_shot\n"
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1 and "is not one of auto, cpu, cuda, cuda:N, mps" in result.output


def test_a_cuda_run_on_this_machine_fails_in_one_line_and_runs_record_their_device(
    tmp_path, sentiment_jsonl, tiny_model_dir
):
    path = tmp_path / "device.yaml"
    body = (
        f"name: device\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {tiny_model_dir}, device: DEVICE}}\nstability: {{variants: 0}}\n"
        "methods:\n  - method: zero_shot\n"
    )
    path.write_text(body.replace("DEVICE", "cuda"))
    failed = CliRunner().invoke(cli, ["run", str(path)])
    assert failed.exit_code == 1 and "model.device" in failed.output and "Traceback" not in failed.output
    path.write_text(body.replace("DEVICE", "auto"))
    assert CliRunner().invoke(cli, ["run", str(path)]).exit_code == 0
    run = Store().runs()[0][0]
    assert run.cost["device"]["device"] == "cpu" and run.cost["device"]["dtype"] == "float32"
    shown = CliRunner().invoke(cli, ["show", str(run.id)])
    assert "device: cpu (" in shown.output and "GFLOP/s reading" in shown.output


def test_a_token_budget_makes_batches_of_as_many_rows_as_fit(tiny_model_dir):
    backend = load_base(ModelConfig(path=str(tiny_model_dir), batch_tokens=512))
    assert backend.batch_tokens == 512  # auto is off on the CPU, where 8 rows measured best
    sequences = [[1] * 100] * 3 + [[1] * 10] * 100
    batches = list(backend._batches(sequences, ""))
    assert [len(b) for b in batches[:2]] == [5, 51] and sum(map(len, batches)) == 103
    scores = backend.score(["a great film", "a dull mess"], ["fresh", "rotten"])
    fixed = load_base(ModelConfig(path=str(tiny_model_dir))).score(["a great film", "a dull mess"], ["fresh", "rotten"])
    assert scores == pytest.approx(fixed, abs=1e-4)  # batching changes speed, never answers
    with pytest.raises(ValueError, match="batch_tokens must be a number of tokens"):
        ModelConfig(batch_tokens="lots")
