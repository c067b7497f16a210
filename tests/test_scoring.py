"""The fast scorer (shared-prefix cache, one pass per prompt) must equal naive full-sequence scoring."""

import numpy as np
import torch

from tunewise.models.scoring import common_prefix


def naive_scores(backend, prompts, candidates):
    scores = np.zeros((len(prompts), len(candidates)))
    for i, prompt in enumerate(prompts):
        for j, candidate in enumerate(candidates):
            p, c = backend.encode(prompt), backend.encode(candidate)
            with torch.inference_mode():
                logits = backend.model(input_ids=torch.tensor([p + c])).logits[0].log_softmax(-1)
            scores[i, j] = sum(logits[len(p) - 1 + k, t].item() for k, t in enumerate(c))
    return scores


def test_fast_scoring_matches_naive_with_shared_prefix(tiny_backend):
    messages = [
        [{"role": "user", "content": f"classify the movie review answer fresh or rotten\n\n{t}"}]
        for t in [
            "a great film",
            "boring predictable and far too long",
            "superb",
            "a dull and tedious mess",
            "the plot is clever",
            "what",
        ]
    ]
    prompts = [tiny_backend.render(m) for m in messages]
    candidates = ["fresh", "rotten", "positive negative", "a"]
    fast = tiny_backend.score(prompts, candidates)
    np.testing.assert_allclose(fast, naive_scores(tiny_backend, prompts, candidates), atol=1e-4)


def test_fast_scoring_matches_naive_without_shared_prefix(tiny_backend):
    prompts = ["a great film", "boring predictable and far too long", "what is two plus three"]
    candidates = ["fresh", "rotten"]
    np.testing.assert_allclose(
        tiny_backend.score(prompts, candidates), naive_scores(tiny_backend, prompts, candidates), atol=1e-4
    )


def test_common_prefix_leaves_one_token_per_sequence():
    assert common_prefix([[1, 2, 3], [1, 2, 4]]) == [1, 2]
    assert common_prefix([[1, 2], [1, 2, 3]]) == [1]
    assert common_prefix([[5], [6]]) == []
