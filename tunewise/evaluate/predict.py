"""How an Adapted answers, per task type: pick a label by log-likelihood, or generate an answer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tunewise.evaluate.metrics import normalize_answer
from tunewise.methods.base import Adapted
from tunewise.tasks.task import Item, Task


@dataclass
class Prediction:
    origin: str
    input: str
    target: str
    prediction: str
    correct: bool
    detail: dict = field(default_factory=dict)  # label scores, raw generation, ...


def predict_labels(adapted: Adapted, task: Task, items: list[Item], prompts: list[str], desc: str) -> list[Prediction]:
    """Score every label as the continuation of each prompt; no generation and no free-text parsing."""
    answers = [adapted.program.answer_for(label) for label in task.labels]  # label words, when verbalized
    scores = adapted.backend.score(prompts, answers, desc=desc)
    best = np.argmax(scores, axis=1)
    return [
        Prediction(
            item.origin,
            item.input,
            item.target,
            task.labels[best[i]],
            task.labels[best[i]] == item.target,
            {"scores": {label: round(float(s), 4) for label, s in zip(task.labels, scores[i], strict=True)}},
        )
        for i, item in enumerate(items)
    ]


def predict_generations(
    adapted: Adapted, task: Task, items: list[Item], prompts: list[str], desc: str
) -> list[Prediction]:
    outputs = adapted.backend.generate(prompts, task.max_new_tokens, task.stop, desc=desc)
    return [
        Prediction(
            item.origin,
            item.input,
            item.target,
            output.strip(),
            normalize_answer(output) == normalize_answer(item.target),
            {"raw": output},
        )
        for item, output in zip(items, outputs, strict=True)
    ]


PREDICTORS = {"classification": predict_labels, "generation": predict_generations}
