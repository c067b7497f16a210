"""Prompt stability: the same method scored under meaning-preserving rewordings of its prompt.

Slight wording changes can move a model's output; a method whose score collapses when the separator, casing,
label words, whitespace, order or phrasing of the instruction change is fragile in production. Each variant
re-renders the method's own prompt program (tuned methods included) and is scored by the one evaluation path.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
from collections.abc import Callable

from tunewise.core.adapted import Adapted
from tunewise.core.items import Item
from tunewise.core.prompt import PromptProgram
from tunewise.evaluate.config import StabilityConfig
from tunewise.evaluate.evaluate import evaluate
from tunewise.tasks.task import Task

Variant = Callable[["PromptProgram", Task], "PromptProgram | None"]  # None: does not apply to this program


def _lead(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


VARIANTS: dict[str, Variant] = {
    "separator: single newline": lambda p, t: dataclasses.replace(p, separator="\n"),
    "separator: 'Input:' label": lambda p, t: dataclasses.replace(p, separator="\n\nInput: "),
    "casing: lowercase instruction": lambda p, t: (
        dataclasses.replace(p, instruction=p.instruction.lower()) if p.instruction != p.instruction.lower() else None
    ),
    "casing: capitalised label words": lambda p, t: (
        dataclasses.replace(p, verbalizer={label: p.answer_for(label).capitalize() for label in t.labels})
        if t.labels and any(p.answer_for(label) != p.answer_for(label).capitalize() for label in t.labels)
        else None
    ),
    "whitespace: extra spaces and newlines": lambda p, t: dataclasses.replace(
        p, instruction=f"  {p.instruction}  ", separator="\n\n\n"
    ),
    "order: input before instruction": lambda p, t: (
        dataclasses.replace(p, instruction_last=True) if p.instruction else None
    ),
    "paraphrase: 'Please ...'": lambda p, t: (
        dataclasses.replace(p, instruction=f"Please {_lead(p.instruction)}") if p.instruction else None
    ),
    "paraphrase: 'Task: ...'": lambda p, t: (
        dataclasses.replace(p, instruction=f"Task: {p.instruction}") if p.instruction else None
    ),
}


def prompt_stability(adapted: Adapted, task: Task, items: list[Item], config: StabilityConfig, seed: int = 0):
    """Mean, standard deviation and worst score over up to ``config.variants`` applicable rewordings, on a
    seeded subset of ``items``; None when stability is off or no rewording applies."""
    variants = [(name, v(adapted.program, task)) for name, v in VARIANTS.items()]
    variants = [(name, program) for name, program in variants if program is not None]
    rng = random.Random(seed)
    chosen = rng.sample(variants, min(config.variants, len(variants)))
    if not chosen:
        return None
    subset = rng.sample(items, min(config.examples, len(items)))
    original = evaluate(adapted, task, subset, intervals=False).score
    scores = [
        evaluate(
            dataclasses.replace(adapted, program=program), task, subset, desc=f"stability: {name}", intervals=False
        ).score
        for name, program in chosen
    ]
    return {
        "mean": statistics.fmean(scores),
        "std": statistics.pstdev(scores),
        "worst": min(scores),
        "original": original,
        "scores": scores,
        "variants": [name for name, _ in chosen],
        "examples": len(subset),
    }
