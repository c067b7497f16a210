"""Learning from mistakes: a proposer model is shown the current instruction and examples it got wrong, and
asked for a better instruction."""

from __future__ import annotations

import re

from tunewise.core.results import Prediction

MAX_INSTRUCTION_CHARS = 400
PREFIX = re.compile(r"^(?:improved |new |better )?instruction\s*:\s*", re.IGNORECASE)


def proposal_messages(instruction: str, failures: list[Prediction]) -> list[dict[str, str]]:
    shown = "\n\n".join(
        f"Input: {p.input[:300]}\nExpected answer: {p.target}\nModel's answer: {p.prediction[:100]}" for p in failures
    )
    return [
        {"role": "system", "content": "You improve instructions given to a language model."},
        {
            "role": "user",
            "content": (
                f'The model was given this instruction:\n"{instruction}"\n\nIt answered these examples wrongly:\n\n'
                f"{shown}\n\nWrite one improved instruction that would make the model answer such examples "
                "correctly. Reply with the instruction only."
            ),
        },
    ]


def clean_proposal(text: str) -> str | None:
    """The instruction in a proposer's reply, or None when the reply is unusable (empty, too long)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    proposal = PREFIX.sub("", lines[0]).strip().strip('"').strip()
    if len(proposal) < 8 or len(proposal) > MAX_INSTRUCTION_CHARS:
        return None
    return proposal
