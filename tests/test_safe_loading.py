"""Safe loading: pickled weights only on request, no code shipped with a model ever runs, and custom metrics
come only from an installed entry point the experiment names."""

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.errors import InputError
from tunewise.models import load_base
from tunewise.models.config import ModelConfig
from tunewise.tasks.config import TaskConfig


def test_a_folder_with_only_pickled_weights_is_refused_unless_allowed(tmp_path, tiny_model_dir):
    import torch
    from transformers import AutoModelForCausalLM

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_model_dir, folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    with pytest.raises(InputError, match="only pickled: pytorch_model.bin.*model.allow_pickle: true"):
        load_base(ModelConfig(path=str(folder)))
    loaded = load_base(ModelConfig(path=str(folder), allow_pickle=True))
    assert loaded.parameter_count() == model.num_parameters()


def test_code_shipped_with_a_model_never_runs(tmp_path, tiny_model_dir):
    folder = tmp_path / "remote"
    shutil.copytree(tiny_model_dir, folder)
    marker = tmp_path / "code-ran"
    (folder / "modeling_evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="evil", auto_map={"AutoModelForCausalLM": "modeling_evil.EvilModel"})
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="never runs code shipped with a model"):
        load_base(ModelConfig(path=str(folder)))
    assert not marker.exists()


def install_metric_package(site, body: str, names: dict[str, str]):
    """A package installed only in ``site``: a module and a dist-info with tunewise.metrics entry points."""
    (site / "acme_metrics.py").write_text(body)
    info = site / "acme_metrics-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-metrics\nVersion: 1.0\n")
    points = "".join(f"{name} = {target}\n" for name, target in names.items())
    (info / "entry_points.txt").write_text(f"[tunewise.metrics]\n{points}")


def test_a_named_installed_entry_point_metric_is_used_and_others_are_never_imported(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    body = (
        "def length_match(predictions, targets, labels):\n"
        "    return sum(len(p) == len(t) for p, t in zip(predictions, targets)) / max(len(targets), 1)\n"
        "length_match.example = lambda p, t: len(p) == len(t)\n"
    )
    install_metric_package(site, body, {"length_match": "acme_metrics:length_match", "broken": "acme_broken:run"})
    (site / "acme_broken.py").write_text(f"open({str(tmp_path / 'imported')!r}, 'w')\n")
    monkeypatch.syspath_prepend(str(site))
    config = TaskConfig(target="answer", type="generation", metric="length_match")
    from tunewise.tasks.metrics import METRICS

    metric = METRICS.get(config.metric)
    assert metric.compute(["ab", "c"], ["xy", "zz"], None) == 0.5 and metric.per_example
    assert not (tmp_path / "imported").exists()  # an entry point nobody named is never imported
    with pytest.raises(ValueError, match=r"or an installed one: broken, length_match"):
        TaskConfig(target="answer", type="generation", metric="no_such_metric")
    with pytest.raises(ValueError, match="entry point"):
        TaskConfig(target="answer", type="generation", metric="metrics.py:score")  # never from a file path
    sys.modules.pop("acme_metrics", None)
    METRICS._entries.pop("length_match", None)  # the registry is global; other tests expect the built-ins


def remote_code_folder(tmp_path, tiny_model_dir):
    """A model folder whose config *and* tokenizer config point at shipped code that would leave a marker."""
    folder = tmp_path / "remote-tokenizer"
    shutil.copytree(tiny_model_dir, folder)
    marker = tmp_path / "code-ran"
    for name in ("modeling_evil.py", "tokenization_evil.py"):
        (folder / name).write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="evil", auto_map={"AutoModelForCausalLM": "modeling_evil.EvilModel"})
    (folder / "config.json").write_text(json.dumps(config))
    tokenizer = json.loads((folder / "tokenizer_config.json").read_text())
    tokenizer["auto_map"] = {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer))
    return folder, marker


@pytest.mark.parametrize("command", [["data", "check"], ["validate"], ["run"]])
def test_no_command_asks_to_run_shipped_code_or_runs_it(command, tmp_path, tiny_model_dir, sentiment_jsonl):
    """`data check` and `validate` count prompt tokens with the tokenizer before any model loads: that load is
    safe too. Commands run with stdin closed, as under CI, where a [y/N] question used to end in an EOFError."""
    folder, marker = remote_code_folder(tmp_path, tiny_model_dir)
    experiment = tmp_path / "remote.yaml"
    experiment.write_text(
        f"name: remote\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {folder}}}\nmethods:\n  - method: zero_shot\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tunewise.cli", *command, str(experiment)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert not marker.exists()
    assert "[y/N]" not in output and "Traceback" not in output and "custom code" not in output.lower()
    if command == ["run"]:  # the network's class exists only as shipped code: refused in one line
        assert result.returncode == 1 and "never runs code shipped with a model" in output, output
    else:  # the tokenizer is read with transformers' own class; its auto_map entry is ignored
        assert result.returncode == 0, output


def damaged_weights(folder):
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100] + b"damaged" * 10)


def no_tokenizer(folder):
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [(damaged_weights, "its weights file is damaged"), (no_tokenizer, "holds no tokenizer")],
)
def test_a_broken_model_folder_is_one_line_naming_it(damage, message, tmp_path, tiny_model_dir, sentiment_jsonl):
    folder = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, folder)
    damage(folder)
    experiment = tmp_path / "broken.yaml"
    experiment.write_text(
        f"name: broken\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {folder}}}\nmethods:\n  - method: zero_shot\n"
    )
    result = CliRunner().invoke(cli, ["run", str(experiment)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in result.output and str(folder) in result.output and "fix:" in result.output
