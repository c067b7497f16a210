"""A local transformers model as a Backend: chat rendering, batched log-likelihood scoring and generation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from tunewise.core.backend import Work
from tunewise.core.progress import progress
from tunewise.models.device import Placement, resolve
from tunewise.models.scoring import Scorer, left_pad


class LearnedPrefix(Protocol):
    """Virtual tokens that precede every prompt (soft prompts). The network runs the text after them."""

    length: int
    network: torch.nn.Module

    def cache(self):
        """The prefix's key/value cache for a batch of one (recomputed: the prefix may be training)."""


@dataclass(frozen=True)
class Sampling:
    """How to draw tokens instead of taking the likeliest (a served request's temperature, top_p and seed)."""

    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0


class _Until(StoppingCriteria):
    """Ends a generation once ``done()`` says so (checked after every token)."""

    def __init__(self, done):
        self.done = done

    def __call__(self, input_ids, scores, **kwargs) -> torch.Tensor:
        return torch.full((input_ids.shape[0],), bool(self.done()), dtype=torch.bool, device=input_ids.device)


MAX_ROWS = 512


class HFBackend:
    """Wraps a causal LM and its tokenizer. Used for the base model and, unchanged, for tuned (PEFT) models.
    With a ``prefix`` (soft prompts), every prompt is read after the prefix's key/value cache: scoring and
    generation then handle the virtual positions' attention mask and position ids explicitly, instead of
    relying on PEFT's forward, which does not know tunewise's prefix cache or left padding."""

    bills_tokens = False  # priced by the device time its counted work takes

    def __init__(
        self,
        model,
        tokenizer,
        name: str,
        max_length: int = 512,
        batch_size: int = 8,
        prefix: LearnedPrefix = None,
        placement: Placement | None = None,
        work: Work | None = None,
        adapter: str | None = None,
    ):
        self.model, self.tokenizer, self.name, self.prefix = model, tokenizer, name, prefix
        self.source = None  # the model folder, when loaded from one
        self.max_length, self.batch_size = max_length, batch_size
        self.placement = placement or resolve("cpu")
        self.batch_tokens: int | None = None  # a token budget per batch instead of a fixed row count
        self.adapter = adapter  # this backend's adapter in a model that holds several (served runs)
        self.shared_adapters = None  # set by a server: LoRA runs loaded over this base share one copy of it
        self.work = work if work is not None else Work()
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    def with_model(self, model, prefix: LearnedPrefix | None = None, adapter: str | None = None) -> HFBackend:
        """The same tokenizer and settings over another model (e.g. the base wrapped with an adapter, or one
        adapter of a model that holds several)."""
        backend = HFBackend(
            model, self.tokenizer, self.name, self.max_length, self.batch_size, prefix, self.placement, self.work
        )
        backend.adapter = adapter
        backend.source, backend.batch_tokens = self.source, self.batch_tokens
        return backend

    @property
    def network(self):
        """The module that reads the text: the model itself, or the frozen base under a learned prefix. In a
        model holding several adapters, this backend's adapter is made the active one first."""
        if self.adapter is not None:
            self.model.set_adapter(self.adapter, inference_mode=True)
        return self.prefix.network if self.prefix else self.model

    def parameter_count(self) -> int:
        """Parameters of the whole network (base plus any adapter): what a request's compute scales with."""
        return sum(p.numel() for p in self.model.parameters())

    def fresh(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()  # nothing is cached between requests

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
        start = (self.prefix.cache(), self.prefix.length) if self.prefix else None
        # Nominal work: each answer read after its prompt (the scorer may share a prompt's cache between them).
        self.work.read_tokens += sum(map(len, prompt_ids)) + len(prompt_ids) * sum(map(len, candidate_ids))
        scorer = Scorer(self.network, self.tokenizer.pad_token_id, start)
        return scorer.score(prompt_ids, candidate_ids, lambda seqs: self._batches(seqs, desc))

    def text_log_likelihood(self, texts: Sequence[str], desc: str = "") -> tuple[float, int]:
        """Summed log-probability of every token of ``texts`` after its first (read after the learned prefix,
        if any), and how many tokens that is: the parts of a perplexity."""
        sequences = [ids for ids in (self.encode(t)[: self.max_length] for t in texts) if len(ids) > 1]
        total, count, skip = 0.0, 0, self.prefix.length if self.prefix else 0
        self.work.read_tokens += sum(map(len, sequences))
        for batch in self._batches(sequences, desc):
            tokens, mask = left_pad([sequences[i] for i in batch], self.tokenizer.pad_token_id, self.network.device)
            cache = None
            if self.prefix:
                cache, mask = self._prefixed(mask)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, skip:]
            with torch.inference_mode():
                logits = self.network(
                    input_ids=tokens, attention_mask=mask, position_ids=positions, past_key_values=cache
                ).logits
                logprobs = logits[:, :-1].float().log_softmax(-1).gather(-1, tokens[:, 1:, None])[..., 0]
                real = (mask[:, skip + 1 :] * mask[:, skip:-1]).bool()  # a real token read after a real token
                total += float(logprobs[real].sum())
                count += int(real.sum())
        return total, count

    def token_logprobs(self, text: str, top: int = 0) -> list[tuple[str, float | None, dict[str, float]]]:
        """Each token of ``text`` with its log-probability after the tokens before it (None for the first) and
        the ``top`` likeliest tokens at that position: what an OpenAI completions client scores text with."""
        ids = self.encode(text)[-self.max_length :]
        if not ids:
            return []
        tokens = torch.tensor([ids], device=self.network.device)
        with torch.inference_mode():
            logprobs = self.network(input_ids=tokens).logits[0].float().log_softmax(-1)
        self.work.read_tokens += len(ids)
        out = [(self.tokenizer.decode([ids[0]]), None, {})]
        for position in range(1, len(ids)):
            row = logprobs[position - 1]
            alternatives = {}
            if top:
                values, indices = torch.topk(row, top)
                alternatives = {self.tokenizer.decode([int(i)]): float(v) for v, i in zip(values, indices, strict=True)}
            out.append((self.tokenizer.decode([ids[position]]), float(row[ids[position]]), alternatives))
        return out

    # -- generation ------------------------------------------------------------------------------------------
    def generate(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        stop: Sequence[str],
        desc: str = "",
        sampling: Sampling | None = None,
        streamer=None,
        stopping=None,
    ) -> list[str]:
        """Greedy completions cut at the first stop sequence; ``sampling`` draws instead (temperature, top_p,
        a seed); ``streamer`` (a transformers streamer, one prompt only) receives the tokens as they come."""
        prompt_ids = [self._fit(self.encode(p), max_new_tokens) for p in prompts]
        outputs = [""] * len(prompts)
        draw = {"do_sample": False}
        if sampling and sampling.temperature > 0:
            torch.manual_seed(sampling.seed)
            draw = {"do_sample": True, "temperature": sampling.temperature, "top_p": sampling.top_p}
        for batch in self._batches(prompt_ids, desc):
            ids, mask = left_pad([prompt_ids[i] for i in batch], self.tokenizer.pad_token_id, self.network.device)
            cache = None
            if self.prefix:
                ids, mask, cache = self._after_prefix(ids, mask)
            with torch.inference_mode():
                generated = self.network.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    past_key_values=cache,
                    max_new_tokens=max_new_tokens,
                    pad_token_id=self.tokenizer.pad_token_id,
                    streamer=streamer,
                    stopping_criteria=StoppingCriteriaList([_Until(stopping)]) if stopping else None,
                    **draw,
                    **({"stop_strings": list(stop), "tokenizer": self.tokenizer} if stop else {}),
                )
            self.work.read_tokens += int(mask.sum())
            self.work.generated_tokens += len(batch) * (generated.shape[1] - ids.shape[1])  # every row steps
            for row, i in enumerate(batch):
                text = self.tokenizer.decode(generated[row, ids.shape[1] :], skip_special_tokens=True)
                outputs[i] = cut_at_stop(text, stop)
        return outputs

    def _after_prefix(self, ids: torch.Tensor, mask: torch.Tensor):
        """Generation continues a cache: its inputs cover the cached positions too, so placeholder ids stand in
        for the virtual tokens (never read: the cache already holds them) and the mask attends to them."""
        cache, mask = self._prefixed(mask)
        placeholder = torch.full((ids.shape[0], self.prefix.length), self.tokenizer.pad_token_id, dtype=ids.dtype)
        return torch.cat([placeholder.to(ids.device), ids], 1), mask, cache

    def _prefixed(self, mask: torch.Tensor):
        """The learned prefix's cache for every row of a batch, and the batch's mask extended over it."""
        cache = self.prefix.cache()
        cache.batch_repeat_interleave(mask.shape[0])
        ones = torch.ones(mask.shape[0], self.prefix.length, dtype=mask.dtype, device=mask.device)
        return cache, torch.cat([ones, mask], 1)

    # -- helpers ---------------------------------------------------------------------------------------------
    def _fit(self, ids: list[int], reserve: int) -> list[int]:
        room = self.max_length - reserve
        if len(ids) <= room:
            return ids
        return ids[len(ids) - room :]

    def _batches(self, sequences: list[list[int]], desc: str) -> Iterator[list[int]]:
        """Index batches of similar length (longest first), with a progress bar counted in examples."""
        order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
        bar = progress(total=len(sequences), desc=desc, unit="ex")
        start = 0
        while start < len(order):
            batch = order[start : start + self._rows(len(sequences[order[start]]))]
            yield batch
            bar.update(len(batch))
            start += len(batch)
        bar.close()

    def _rows(self, longest: int) -> int:
        """Rows of a batch whose longest sequence has ``longest`` tokens: ``batch_size``, or as many as fit
        ``batch_tokens`` (padded tokens) when a token budget is set, at most ``MAX_ROWS``."""
        if not self.batch_tokens:
            return self.batch_size
        return max(1, min(MAX_ROWS, self.batch_tokens // max(longest, 1)))


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    cuts = [text.index(s) for s in stop if s and s in text]
    return text[: min(cuts)] if cuts else text
