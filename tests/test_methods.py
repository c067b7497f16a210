from pathlib import Path

import pytest
import torch

from tunewise.core.registry import Registry
from tunewise.evaluate import validation_score
from tunewise.methods import METHODS
from tunewise.methods.lora import LoraSettings
from tunewise.training.callbacks import BestOnTaskMetric


def test_registry_holds_the_spine_methods_and_rejects_bad_names():
    assert {"zero_shot", "few_shot", "lora"} <= set(METHODS.names())
    registry = Registry("thing")
    registry.register("ok", 1)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("ok", 2)
    with pytest.raises(ValueError, match="lowercase"):
        registry.register("Bad Name", 3)


def test_zero_shot_renders_instruction_in_chat_template(setup):
    base, task, splits, ctx, _ = setup
    adapted = METHODS.get("zero_shot").fit(base, task, splits, METHODS.get("zero_shot").config_class(), ctx)
    prompt = adapted.prompt("a great film")
    assert prompt.startswith("<|im_start|>user\nclassify the movie review\n\na great film<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n") and adapted.trainable_params == 0


def test_few_shot_shows_k_seeded_training_examples(setup):
    base, task, splits, ctx, _ = setup
    method = METHODS.get("few_shot")
    adapted = method.fit(base, task, splits, method.config_class(k=3), ctx)
    again = method.fit(base, task, splits, method.config_class(k=3), ctx)
    demos = adapted.program.demos
    assert len(demos) == 3 and demos == again.program.demos
    assert all((text, label) in {(i.input, i.target) for i in splits.train} for text, label in demos)
    messages = adapted.program.messages("new review")
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3 + ["user"]
    assert messages[0]["content"].startswith("classify the movie review\n\n")


def test_lora_trains_adapters_only_and_saves_them(setup, tmp_path):
    base, task, splits, ctx, logged = setup
    before = {n: p.clone() for n, p in base.model.named_parameters()}
    settings = LoraSettings(r=2, alpha=4, epochs=2, batch_size=4, learning_rate=5e-3, eval_every=2, patience=50)
    adapted = METHODS.get("lora").fit(base, task, splits, settings, ctx)
    # the shared base model is untouched; the adapted copy has a few trainable adapter weights
    assert all(torch.equal(before[n], p) for n, p in base.model.named_parameters())
    assert 0 < adapted.trainable_params < sum(p.numel() for p in base.model.parameters()) / 4
    training = adapted.details["training"]
    assert training["steps"] == 12 and training["train_tokens"] > 0 and 0 <= training["padding_fraction"] < 1
    names = {name for _, name, _ in logged}
    assert {"loss", "validation"} <= names
    size = adapted.save(tmp_path / "out")
    assert (tmp_path / "out" / "weights" / "adapter_model.safetensors").exists() and size > 1000


def test_lora_restores_the_best_validated_weights(setup):
    base, task, splits, ctx, _ = setup
    settings = LoraSettings(r=2, alpha=4, epochs=3, batch_size=4, learning_rate=5e-2, eval_every=1, patience=100)
    adapted = METHODS.get("lora").fit(base, task, splits, settings, ctx)
    training = adapted.details["training"]
    assert validation_score(adapted, task, splits.validation) == pytest.approx(training["best_validation"])
    assert training["best_validation"] == max(score for _, score in training["validation_history"])


class _State:
    def __init__(self, step):
        self.global_step = step


class _Control:
    should_training_stop = False


def test_early_stopping_stops_after_patience_and_restores_best():
    model = torch.nn.Linear(2, 1)
    scores = iter([0.5, 0.7, 0.6, 0.65, 0.9])
    callback = BestOnTaskMetric(model, validate=lambda: next(scores), every=1, patience=2, log=lambda *a: None)
    control = _Control()
    for step in range(1, 5):
        with torch.no_grad():
            model.weight.fill_(step)
        callback.on_step_end(None, _State(step), control)
        if control.should_training_stop:
            break
    assert step == 4 and callback.best_step == 2 and callback.best_score == 0.7
    callback.on_train_end(None, _State(step), control)
    assert torch.all(model.weight == 2)


def test_every_method_module_is_self_contained():
    """Adding a method touches only its folder: no other module names a method."""
    package = Path(__file__).resolve().parent.parent / "tunewise"
    method_names = METHODS.names()
    for path in package.rglob("*.py"):
        if "methods" in path.parts and path.parent.name in method_names:
            continue
        text = path.read_text()
        for name in method_names:
            assert f'"{name}"' not in text, f"{path} names method {name!r}"


def test_full_ft_trains_every_weight_of_a_copy_and_saves_safetensors(setup, tmp_path):
    base, task, splits, ctx, _ = setup
    before = {name: p.detach().clone() for name, p in base.model.named_parameters()}
    method = METHODS.get("full_ft")
    adapted = method.fit(base, task, splits, method.config_class(epochs=1, batch_size=4, learning_rate=1e-2), ctx)
    total = sum(p.numel() for p in base.model.parameters())
    assert adapted.trainable_params == total and adapted.details["training"]["steps"] >= 1
    tuned = dict(adapted.backend.model.named_parameters())
    assert any(not torch.equal(tuned[name], value) for name, value in before.items())
    assert all(torch.equal(p, before[name]) for name, p in base.model.named_parameters())  # base untouched
    adapted.save(tmp_path / "artifact")
    assert list((tmp_path / "artifact" / "weights").glob("*.safetensors"))
    frozen = method.fit(base, task, splits, method.config_class(epochs=1, batch_size=4, freeze_embeddings=True), ctx)
    assert frozen.trainable_params == total - base.model.get_input_embeddings().weight.numel()


def test_lora_with_dora_learns_magnitudes(setup):
    base, task, splits, ctx, _ = setup
    settings = LoraSettings(r=2, alpha=4, epochs=1, batch_size=4, use_dora=True)
    adapted = METHODS.get("lora").fit(base, task, splits, settings, ctx)
    names = [n for n, p in adapted.backend.model.named_parameters() if p.requires_grad]
    assert any("lora_magnitude_vector" in n for n in names) and adapted.details["adapter"]["dora"] is True
    plain = METHODS.get("lora").fit(base, task, splits, LoraSettings(r=2, alpha=4, epochs=1, batch_size=4), ctx)
    assert adapted.trainable_params > plain.trainable_params
