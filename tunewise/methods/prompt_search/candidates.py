"""Where candidate prompts come from besides the user: instruction templates and bootstrapped demonstrations
(training examples the model already answers correctly, shown as examples)."""

from __future__ import annotations

import random

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.items import Item
from tunewise.core.prompt import Demo
from tunewise.tasks.task import Task


def template_instructions(instruction: str, task: Task) -> list[str]:
    """Rewrites of the base instruction that often help small models: a role, care, a strict output format."""
    base = instruction or "Answer the input."
    rewrites = [
        f"You are an expert. {base}",
        f"Read the input carefully. {base}",
        f"{base} Reply with the answer only, nothing else.",
    ]
    if task.labels:
        rewrites.append(f"{base} Choose exactly one of: {', '.join(task.labels)}.")
    return rewrites


def bootstrap_demos(
    adapted: Adapted, task: Task, train: list[Item], k: int, ctx: FitContext, show_answers: bool = False
) -> tuple[list[Demo], int]:
    """Up to ``k`` training examples the program answers correctly (their gold answers shown, or with
    ``show_answers`` the model's own, reasoning included), one label at a time for classification so the set
    stays balanced; returns the demos and examples tried."""
    pool = random.Random(ctx.seed).sample(train, min(len(train), 4 * k))
    predictions = ctx.evaluate(adapted, pool, desc="bootstrapping demos", intervals=False).predictions
    right = [
        Item(item.input, p.detail.get("raw", p.prediction).strip() if show_answers else item.target, item.origin)
        for item, p in zip(pool, predictions, strict=True)
        if p.correct
    ]
    if task.labels:
        by_label = {label: [i for i in right if i.target == label] for label in task.labels}
        right = [i for group in zip(*[v for v in by_label.values() if v], strict=False) for i in group] + right
    chosen, seen = [], set()
    for item in right:
        if item.input not in seen and len(chosen) < k:
            seen.add(item.input)
            chosen.append((item.input, item.target))
    return chosen, len(pool)
