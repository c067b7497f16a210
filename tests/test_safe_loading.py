"""Safe loading: pickled weights only on request, no code shipped with a model ever runs, and custom metrics
come only from an installed entry point the experiment names."""

import json
import shutil
import sys

import pytest

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
