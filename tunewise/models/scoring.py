"""Log-likelihood of candidate continuations, computed without wasted work.

Three savings over scoring every (prompt, candidate) sequence from scratch:
1. The prefix every prompt shares (system prompt, instruction, few-shot demonstrations) is run once; its
   key/value cache is copied into each batch.
2. Each prompt is run once for all candidates: the last position's logits score every candidate's first
   token, and only candidates longer than one token need a (short) extra pass over the prompt's cache.
3. The LM head runs on the last position only (``logits_to_keep=1``) while reading the prompt.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import numpy as np
import torch

MIN_SHARED_PREFIX = 8  # tokens; below this the copy is not worth it


def left_pad(sequences: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask, padded on the left so every sequence ends at the last position."""
    width = max(len(s) for s in sequences)
    ids = torch.tensor([[pad_id] * (width - len(s)) + s for s in sequences], device=device)
    mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in sequences], device=device)
    return ids, mask


def common_prefix(sequences: list[list[int]]) -> list[int]:
    """The longest shared token prefix, leaving at least one token of every sequence outside it."""
    shortest = min(len(s) for s in sequences)
    n = 0
    while n < shortest - 1 and all(s[n] == sequences[0][n] for s in sequences):
        n += 1
    return sequences[0][:n]


class Scorer:
    """``start``: an optional (key/value cache, length) every prompt continues from (a learned prefix)."""

    def __init__(self, model, pad_id: int, start: tuple | None = None):
        self.model, self.pad_id = model, pad_id
        self.start_cache, self.start_len = start if start else (None, 0)

    def score(
        self,
        prompts: list[list[int]],
        candidates: list[list[int]],
        batches: Callable[[list[list[int]]], Iterable[list[int]]],
    ) -> np.ndarray:
        prefix = common_prefix(prompts) if len(prompts) > 1 else []
        if len(prefix) < MIN_SHARED_PREFIX:
            prefix = []
        prefix_cache = self._run_prefix(prefix) if prefix else self.start_cache
        prefix_len = self.start_len + len(prefix)
        suffixes = [p[len(prefix) :] for p in prompts]
        scores = np.zeros((len(prompts), len(candidates)))
        for batch in batches(suffixes):
            scores[batch] = self._score_batch([suffixes[i] for i in batch], prefix_len, prefix_cache, candidates)
        return scores

    def _run_prefix(self, prefix: list[int]):
        """The shared text prefix's cache, continuing the start cache when there is one."""
        ids = torch.tensor([prefix], device=self.model.device)
        cache = copy.deepcopy(self.start_cache)
        mask = torch.ones(1, self.start_len + len(prefix), dtype=torch.long, device=self.model.device)
        positions = torch.arange(self.start_len, self.start_len + len(prefix), device=self.model.device)[None]
        with torch.inference_mode():
            return self._read(ids, mask, positions, cache).past_key_values

    def _read(self, ids, mask, positions, cache):
        """Run ``ids`` after ``cache`` (positions the mask already covers), with logits for the last position only."""
        return self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )

    def _score_batch(self, suffixes, prefix_len: int, prefix_cache, candidates) -> np.ndarray:
        device = self.model.device
        ids, suffix_mask = left_pad(suffixes, self.pad_id, device)
        mask = torch.cat([torch.ones(len(suffixes), prefix_len, dtype=torch.long, device=device), suffix_mask], 1)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, prefix_len:]
        cache = None
        if prefix_cache is not None:
            cache = copy.deepcopy(prefix_cache)
            cache.batch_repeat_interleave(len(suffixes))
        with torch.inference_mode():
            out = self._read(ids, mask, positions, cache)
            first = out.logits[:, -1].float().log_softmax(-1)
            scores = torch.stack([first[:, c[0]] for c in candidates], dim=1)
            for j, candidate in enumerate(candidates):
                if len(candidate) > 1:
                    scores[:, j] += self._rest_of_candidate(candidate, out.past_key_values, mask, positions[:, -1])
        return scores.cpu().numpy()

    def _rest_of_candidate(self, candidate, cache, mask, last_position) -> torch.Tensor:
        """Log-probability of candidate tokens 2..n, continuing from the prompt's cache, then rewinding it."""
        batch = mask.shape[0]
        feed = torch.tensor([candidate[:-1]] * batch, device=mask.device)
        extra = torch.ones(batch, len(candidate) - 1, dtype=mask.dtype, device=mask.device)
        positions = last_position[:, None] + 1 + torch.arange(len(candidate) - 1, device=mask.device)
        out = self.model(
            input_ids=feed,
            attention_mask=torch.cat([mask, extra], 1),
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
        )
        cache.crop(-(len(candidate) - 1))  # rewind to the end of the prompt
        logprobs = out.logits.float().log_softmax(-1)
        targets = torch.tensor(candidate[1:], device=mask.device)
        return logprobs[:, torch.arange(len(targets)), targets].sum(-1)
