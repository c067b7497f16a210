"""The forgetting score: perplexity of general text, computed by hand on the tiny model, and its sample."""

import math

import pytest
import torch

from tunewise.evaluate.forgetting import general_text, perplexity


def test_general_text_is_a_fixed_sample_without_the_trivia_task():
    texts = general_text(50)
    assert len(texts) == 50 and texts == general_text(50) and texts != general_text(50, seed=1)
    assert all("\n" in t for t in texts)  # whole conversations, turns on their own lines
    trivia = set(general_text(10_000))
    assert not any("Who was the 37th President" in t for t in trivia)


def test_perplexity_matches_a_hand_computation(tiny_backend):
    texts = ["a great film with a wonderful cast", "a dull and tedious mess", "\n"]
    assert len(tiny_backend.encode("\n")) == 1
    value, tokens = perplexity(tiny_backend, texts)
    nll, count = 0.0, 0
    for text in texts[:2]:  # a one-token text predicts nothing
        ids = tiny_backend.encode(text)
        with torch.no_grad():
            logprobs = tiny_backend.model(input_ids=torch.tensor([ids])).logits[0].log_softmax(-1)
        nll -= sum(logprobs[t - 1, ids[t]].item() for t in range(1, len(ids)))
        count += len(ids) - 1
    assert tokens == count and value == pytest.approx(math.exp(nll / count), rel=1e-4)
