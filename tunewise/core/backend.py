"""What a base model offers: ``Backend`` for every model (local or behind an API), ``TrainableBackend`` for the
local models that methods can train. Methods and evaluation use nothing else of a model."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np


@dataclass
class Work:
    """Tokens a model has processed: read in batched forward passes (prompts, scored answers, texts) and
    generated one at a time. Counted work, unlike wall time, does not depend on what else the machine runs."""

    read_tokens: int = 0
    generated_tokens: int = 0

    def since(self, earlier: Work) -> Work:
        return Work(self.read_tokens - earlier.read_tokens, self.generated_tokens - earlier.generated_tokens)

    def copy(self) -> Work:
        return Work(self.read_tokens, self.generated_tokens)

    def as_dict(self) -> dict:
        return {"read_tokens": self.read_tokens, "generated_tokens": self.generated_tokens}


class Backend(Protocol):
    name: str
    max_length: int  # tokens a prompt and its answer may take together
    work: Work  # shared by a base and every model built over it
    bills_tokens: bool  # priced per token (an API model), not by the device time its work takes

    def render(self, messages: list[dict[str, str]]) -> str:
        """Messages -> the exact prompt text the model sees (its chat template), ending where the answer begins."""

    def score(self, prompts: Sequence[str], candidates: Sequence[str], desc: str = "") -> np.ndarray:
        """Log-likelihood of each candidate continuation after each prompt: shape (len(prompts), len(candidates))."""

    def generate(self, prompts: Sequence[str], max_new_tokens: int, stop: Sequence[str], desc: str = "") -> list[str]:
        """Greedy completions, cut at the first stop sequence."""

    def text_log_likelihood(self, texts: Sequence[str], desc: str = "") -> tuple[float, int]:
        """Summed log-probability of every token of ``texts`` after its first, and how many tokens that is."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text``."""

    def parameter_count(self) -> int:
        """Parameters of the network that answers a request (for compute estimates; 0 when not known)."""

    def fresh(self) -> AbstractContextManager:
        """Requests made inside are really run, never answered from a cache (for latency measurements)."""


class TrainableBackend(Backend, Protocol):
    """A local model whose weights methods copy, wrap (PEFT) and train."""

    model: Any  # the torch module (a transformers causal LM)
    tokenizer: Any
    source: Path | None  # the model folder, for methods that reload it differently (QLoRA)
    placement: Any  # models.device.Placement: the device and dtype the model runs in
    shared_adapters: Any  # models.adapters.SharedAdapters when a server shares one base between LoRA runs

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without special tokens."""

    def training_features(self, prompt: str, answer: str) -> dict[str, list[int]]:
        """input_ids / attention_mask / labels where only the answer is learned."""

    def with_model(self, model: Any, prefix: Any = None, adapter: str | None = None) -> TrainableBackend:
        """The same tokenizer and settings over another model (the base wrapped with an adapter, or a copy)."""


def work_entry(model: Backend, work: Work) -> dict:
    """One model's work for a method, as a run records it (priced with the method's build)."""
    return {"model": model.name, "params": model.parameter_count(), "bills_tokens": model.bills_tokens} | work.as_dict()


def other_work(model: Backend, base: Backend, measured: Work | None = None) -> list[dict]:
    """Tokens a model the method loaded itself (a teacher or proposer named by a packaged name or folder)
    processed, less what it did only to be measured, priced with its build; none when it is the base, whose
    work is counted already. Models the experiment names under ``models:`` are counted by the runner."""
    if model is base:
        return []
    return [work_entry(model, model.work.since(measured or Work()))]
