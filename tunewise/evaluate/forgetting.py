"""Forgetting: how much a tuned model lost of its general language ability, as the change in perplexity on a
held general-text sample (the tuned model as served, adapter or soft prompt included, vs the base model).

The sample is the English chatterbot-corpus conversations (ai, computers, emotion, food, history, literature,
money, science, sports, ...), fetched from its pinned wheel. Its trivia file is left out: it is a catalog task.
"""

from __future__ import annotations

import math
import random

import yaml

from tunewise.core.fetch import WheelFile, fetch_folder

GENERAL_TEXT = WheelFile(
    requirement="chatterbot-corpus==1.3.3",
    wheel_sha256="86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154",
    member="chatterbot_corpus/data/english",
)
TASK_FILES = {"trivia.yml"}


def general_text(count: int, seed: int = 0) -> list[str]:
    """``count`` conversations (turns joined by newlines), the same ones for every run with this seed."""
    texts = set()
    for path in sorted(fetch_folder(GENERAL_TEXT).glob("*.yml")):
        if path.name in TASK_FILES:
            continue
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []:
            turns = [" ".join(str(t).split()) for t in conversation if isinstance(t, str | int | float)]
            if len(turns) >= 2:
                texts.add("\n".join(turns))
    ordered = sorted(texts)
    return random.Random(seed).sample(ordered, min(count, len(ordered)))


def perplexity(backend, texts: list[str], desc: str = "") -> tuple[float, int]:
    """exp(mean negative log-likelihood per predicted token) and the number of tokens predicted."""
    total, tokens = backend.text_log_likelihood(texts, desc=desc)
    return math.exp(-total / tokens), tokens


def forgetting(before: float, adapted, texts: list[str]) -> dict:
    """Perplexity of ``adapted`` as served vs ``before`` (the base model's on the same texts)."""
    after, tokens = perplexity(adapted.backend, texts, desc=f"{adapted.method}: forgetting")
    return {"before": before, "after": after, "change": after / before - 1, "texts": len(texts), "tokens": tokens}
