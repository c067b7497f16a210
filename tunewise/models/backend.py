"""The Backend protocol: what every base model offers to methods and to evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Backend(Protocol):
    name: str

    def render(self, messages: list[dict[str, str]]) -> str:
        """Messages -> the exact prompt text the model sees (its chat template), ending where the answer begins."""

    def score(self, prompts: Sequence[str], candidates: Sequence[str], desc: str = "") -> np.ndarray:
        """Log-likelihood of each candidate continuation after each prompt: shape (len(prompts), len(candidates))."""

    def generate(self, prompts: Sequence[str], max_new_tokens: int, stop: Sequence[str], desc: str = "") -> list[str]:
        """Greedy completions, cut at the first stop sequence."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text``."""

    def parameter_count(self) -> int:
        """Parameters of the network that answers a request (for compute estimates)."""
