"""Finding the final answer in a model's step-by-step reasoning."""

from __future__ import annotations

import re

# "Answer: 5", "Final answer = 5", "the answer is 5"; something must follow on the same line.
MARKER = re.compile(r"\b(?:final answer|answer)\b(?:\s+is)?[ \t]*[:=]?[ \t]*(?!is\b)(?=\S)", re.IGNORECASE)
DECORATION = re.compile(r"^[\s*_`\"']+|[\s*_`\"'.]+$")  # markdown bold, quotes, a closing full stop


def extract_answer(text: str) -> tuple[str, str]:
    """(answer, reasoning). The answer is what follows the last "Answer:" (or "Final answer:", "the answer
    is:") up to the end of that line, else the last line after a "####" marker, else the last non-empty line."""
    markers = list(MARKER.finditer(text))
    if markers:
        last = markers[-1]
        answer = text[last.end() :].strip().split("\n")[0]
        return _clean(answer), text[: last.start()].strip()
    if "####" in text:
        before, _, after = text.rpartition("####")
        return _clean(after.strip().split("\n")[0]), before.strip()
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "", ""
    return _clean(lines[-1]), "\n".join(lines[:-1])


def _clean(answer: str) -> str:
    return DECORATION.sub("", answer.strip())
