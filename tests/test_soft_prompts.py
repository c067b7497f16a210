"""Soft prompts on the tiny model: they train, only their virtual tokens change, and tunewise's prefix-cache
scoring and generation agree with PEFT's own forward pass (the part that breaks soft prompts on chat models)."""

import pytest
import torch

from tunewise.methods import METHODS

SOFT = ["prompt_tuning", "prefix_tuning", "p_tuning"]


def fit(name, setup, **settings):
    base, task, splits, ctx, logged = setup
    defaults = {"virtual_tokens": 4, "epochs": 2, "batch_size": 4, "eval_every": 3, "patience": 50}
    config = METHODS.get(name).config_class(**(defaults | settings))
    return METHODS.get(name).fit(base, task, splits, config, ctx)


@pytest.mark.parametrize("name", SOFT)
def test_soft_prompt_trains_virtual_tokens_on_a_frozen_base(name, setup, tmp_path):
    base, task, splits, _, logged = setup
    before = {n: p.detach().clone() for n, p in base.model.named_parameters()}
    adapted = fit(name, setup)
    model = adapted.backend.model
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("prompt_encoder" in n for n in trainable)
    frozen = dict(model.get_base_model().named_parameters())
    assert all(torch.equal(frozen[n], before[n]) for n in before)  # the base network never changes
    assert adapted.details["training"]["steps"] == 12 and {"loss", "validation"} <= {m for _, m, _ in logged}
    assert adapted.save(tmp_path / name) > 0 and (tmp_path / name / "weights" / "adapter_model.safetensors").exists()


@pytest.mark.parametrize("name", SOFT)
def test_prefix_cache_scoring_matches_pefts_forward(name, setup):
    base, task, splits, _, _ = setup
    adapted = fit(name, setup, learning_rate=0.1)
    backend, model = adapted.backend, adapted.backend.model
    prompts = [adapted.prompt(item.input) for item in splits.test[:3]]
    words = [adapted.program.answer_for(label) for label in task.labels]
    ours = backend.score(prompts, words)
    for row, prompt in enumerate(prompts):
        for column, word in enumerate(words):
            ids = backend.encode(prompt) + backend.encode(word)
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids))).logits
            if logits.shape[1] > len(ids):  # prompt / p-tuning return logits for the virtual positions too
                logits = logits[:, -len(ids) :]
            logprobs = logits[0].log_softmax(-1)
            start = len(backend.encode(prompt))
            expected = sum(logprobs[t - 1, ids[t]].item() for t in range(start, len(ids)))
            assert ours[row, column] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("name", ["prompt_tuning", "prefix_tuning"])
def test_generation_after_the_prefix_matches_greedy_decoding_by_hand(name, setup):
    base, task, splits, _, _ = setup
    adapted = fit(name, setup, learning_rate=0.1)
    backend, model = adapted.backend, adapted.backend.model
    prompts = [adapted.prompt(item.input) for item in splits.test[:2]]
    generated = backend.generate(prompts, max_new_tokens=4, stop=[])
    for prompt, text in zip(prompts, generated, strict=True):
        ids = backend.encode(prompt)
        for _ in range(4):
            with torch.no_grad():
                ids.append(int(model(input_ids=torch.tensor([ids])).logits[0, -1].argmax()))
        expected = backend.tokenizer.decode(ids[len(backend.encode(prompt)) :], skip_special_tokens=True)
        assert text == expected


def test_prompt_tuning_starts_from_the_instruction_text(setup):
    base, task, splits, ctx, _ = setup
    adapted = fit("prompt_tuning", setup, learning_rate=1e-9, epochs=0.1)
    start = adapted.backend.model.prompt_encoder["default"].embedding.weight
    ids = base.encode("classify the movie review")
    words = base.model.get_input_embeddings().weight
    assert torch.allclose(start[0], words[ids[0]], atol=1e-4)
    assert adapted.details["soft_prompt"]["init_text"] == "classify the movie review"
    sampled = fit("prompt_tuning", setup, init="vocab", learning_rate=1e-9, epochs=0.1)
    assert sampled.details["soft_prompt"]["init"] == "vocab"


@pytest.mark.parametrize("name", ["prompt_tuning", "prefix_tuning"])
def test_text_log_likelihood_after_the_prefix_matches_pefts_forward(name, setup):
    adapted = fit(name, setup, learning_rate=0.1)
    backend, model = adapted.backend, adapted.backend.model
    texts = ["a great film with a wonderful cast", "boring\npredictable and far too long", "the plot"]
    total, count = backend.text_log_likelihood(texts)
    expected, tokens = 0.0, 0
    for text in texts:
        ids = backend.encode(text)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[:, -len(ids) :]
        logprobs = logits[0].log_softmax(-1)
        expected += sum(logprobs[t - 1, ids[t]].item() for t in range(1, len(ids)))
        tokens += len(ids) - 1
    assert count == tokens and total == pytest.approx(expected, abs=1e-3)
