"""Blind ratings as training data for preference tuning, in the standard formats TRL's trainers read.

``preference_pairs``: {"prompt", "chosen", "rejected"}, the preference type DPOTrainer (and ORPO, CPO, reward
modelling) reads. ``single_judgments``: {"prompt", "completion", "label"}, the unpaired preference type KTOTrainer
(and BCO) reads, label true for a desirable answer and false for an undesirable one. The prompt is the test input
as the rater saw it, not a method's whole prompt (instruction, demonstrations): wrap it in the prompt program of
the model you tune. A rater's second vote on the same pair (two sent at once) is dropped, as in the win rates.
"""

from __future__ import annotations

from collections.abc import Iterable

from tunewise.decide.human import first_votes
from tunewise.store.schema import Rating


def preference_pairs(ratings: Iterable[Rating]) -> list[dict]:
    """One pair per left/right choice. Ties and 'both bad' say neither answer is better, so they make no pair; nor
    do two identical answers (a pair that teaches preferring a text over itself)."""
    pairs = []
    for r in first_votes(ratings):
        if r.choice not in ("left", "right") or r.left_output == r.right_output:
            continue
        chosen, rejected = (r.left_output, r.right_output) if r.choice == "left" else (r.right_output, r.left_output)
        pairs.append({"prompt": r.prompt, "chosen": chosen, "rejected": rejected})
    return pairs


def single_judgments(ratings: Iterable[Rating]) -> list[dict]:
    """The preferred answer labelled true and the other false; 'both bad' labels both false (once if they are the
    same text). A tie is left out: it says the two are equally good *or* equally poor, not that either is good,
    and labelling it either way would teach KTO a judgment the rater did not make. A left/right choice between
    identical answers contradicts itself and is left out too."""
    rows = []
    for r in first_votes(ratings):
        if r.choice == "both_bad":
            outputs = [r.left_output] if r.left_output == r.right_output else [r.left_output, r.right_output]
            rows += [_judgment(r.prompt, output, False) for output in outputs]
        elif r.choice in ("left", "right") and r.left_output != r.right_output:
            rows.append(_judgment(r.prompt, r.left_output, r.choice == "left"))
            rows.append(_judgment(r.prompt, r.right_output, r.choice == "right"))
    return rows


def _judgment(prompt: str, completion: str, label: bool) -> dict:
    return {"prompt": prompt, "completion": completion, "label": label}
