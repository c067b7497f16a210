"""Messages as the raw text a completions endpoint reads (for scoring labels by their logprobs), reading labels
out of a chat reply, and a token estimate for text the server has not counted yet."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

CHARS_PER_TOKEN = 4  # English text in BPE vocabularies: an estimate, used only before the server has counted


def wire(messages: list[dict[str, str]]) -> str:
    """The prompt a chat request sends: the messages themselves, as compact JSON."""
    return json.dumps(messages, ensure_ascii=False, separators=(",", ":"))


def messages_of(prompt: str) -> list[dict[str, str]]:
    return json.loads(prompt)


def as_text(messages: list[dict[str, str]], chat_format: str) -> str:
    """The conversation in the chat format the served model was trained on, ending where its answer starts."""
    if chat_format == "chatml":
        turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return turns + "<|im_start|>assistant\n"
    names = {"system": "System", "user": "User", "assistant": "Assistant"}
    return "".join(f"{names[m['role']]}: {m['content']}\n\n" for m in messages) + "Assistant:"


def estimate_tokens(text: str) -> int:
    if text.startswith('[{"role"'):
        try:
            messages = messages_of(text)
        except ValueError:
            messages = None
        if messages is not None:  # a chat request: its contents plus a few tokens of framing per message
            return sum(estimate_tokens(m["content"]) + 4 for m in messages) + 2
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def parse_label(reply: str, candidates: Sequence[str]) -> int | None:
    """Which candidate a free-text reply gives: the whole reply when it is one (ignoring case and trailing
    punctuation), else the one it names first as a whole word; None when it names none."""
    text = reply.strip().strip(" .!\"'*`").lower()
    for i, candidate in enumerate(candidates):
        if candidate.strip().lower() == text:
            return i
    found = []
    for i, candidate in enumerate(candidates):
        match = re.search(rf"(?<!\w){re.escape(candidate.strip().lower())}(?!\w)", reply.lower())
        if match:
            found.append((match.start(), -len(candidate), i))
    return min(found)[2] if found else None
