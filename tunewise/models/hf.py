"""A local transformers model as a Backend: chat rendering, batched log-likelihood scoring and generation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from tunewise.models.scoring import Scorer, left_pad


class HFBackend:
    """Wraps a causal LM and its tokenizer. Used for the base model and, unchanged, for tuned (PEFT) models."""

    def __init__(self, model, tokenizer, name: str, max_length: int = 512, batch_size: int = 8):
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self.max_length, self.batch_size = max_length, batch_size
        self.truncated = 0  # prompts cut from the left to fit max_length
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    def with_model(self, model) -> HFBackend:
        """The same tokenizer and settings over another model (e.g. the base wrapped with an adapter)."""
        return HFBackend(model, self.tokenizer, self.name, self.max_length, self.batch_size)

    def parameter_count(self) -> int:
        """Parameters of the whole network (base plus any adapter): what a request's compute scales with."""
        return sum(p.numel() for p in self.model.parameters())

    # -- text <-> tokens -------------------------------------------------------------------------------------
    def render(self, messages: list[dict[str, str]]) -> str:
        if self.tokenizer.chat_template:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        # Base models without a chat template: a plain transcript that ends where the answer starts.
        turns = [m["content"] if m["role"] != "assistant" else f"Answer: {m['content']}\n" for m in messages]
        return "\n".join(turns) + "\nAnswer:"

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def count_tokens(self, text: str) -> int:
        return len(self.encode(text))

    def answer_suffix(self) -> list[int]:
        """Tokens that close an answer turn (end of turn / end of text), learned by trained methods."""
        return [self.tokenizer.eos_token_id] if self.tokenizer.eos_token_id is not None else []

    def training_features(self, prompt: str, answer: str) -> dict[str, list[int]]:
        """Token ids for causal-LM training where only the answer (and its end-of-turn token) is learned."""
        answer_ids = self.encode(answer) + self.answer_suffix()
        prompt_ids = self._fit(self.encode(prompt), len(answer_ids))
        return {
            "input_ids": prompt_ids + answer_ids,
            "attention_mask": [1] * (len(prompt_ids) + len(answer_ids)),
            "labels": [-100] * len(prompt_ids) + answer_ids,
        }

    # -- scoring ---------------------------------------------------------------------------------------------
    def score(self, prompts: Sequence[str], candidates: Sequence[str], desc: str = "") -> np.ndarray:
        candidate_ids = [self.encode(c) for c in candidates]
        reserve = max(len(c) for c in candidate_ids)
        prompt_ids = [self._fit(self.encode(p), reserve) for p in prompts]
        scorer = Scorer(self.model, self.tokenizer.pad_token_id)
        return scorer.score(prompt_ids, candidate_ids, lambda seqs: self._batches(seqs, desc))

    # -- generation ------------------------------------------------------------------------------------------
    def generate(self, prompts: Sequence[str], max_new_tokens: int, stop: Sequence[str], desc: str = "") -> list[str]:
        prompt_ids = [self._fit(self.encode(p), max_new_tokens) for p in prompts]
        outputs = [""] * len(prompts)
        for batch in self._batches(prompt_ids, desc):
            ids, mask = left_pad([prompt_ids[i] for i in batch], self.tokenizer.pad_token_id, self.model.device)
            with torch.inference_mode():
                generated = self.model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **({"stop_strings": list(stop), "tokenizer": self.tokenizer} if stop else {}),
                )
            for row, i in enumerate(batch):
                text = self.tokenizer.decode(generated[row, ids.shape[1] :], skip_special_tokens=True)
                outputs[i] = cut_at_stop(text, stop)
        return outputs

    # -- helpers ---------------------------------------------------------------------------------------------
    def _fit(self, ids: list[int], reserve: int) -> list[int]:
        room = self.max_length - reserve
        if len(ids) <= room:
            return ids
        self.truncated += 1
        return ids[len(ids) - room :]

    def _batches(self, sequences: list[list[int]], desc: str) -> Iterator[list[int]]:
        """Index batches of similar length (longest first), with a progress bar counted in examples."""
        order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
        bar = tqdm(total=len(sequences), desc=desc, disable=not desc, leave=False, unit="ex")
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            yield batch
            bar.update(len(batch))
        bar.close()


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    cuts = [text.index(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text
