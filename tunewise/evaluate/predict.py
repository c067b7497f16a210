"""How an Adapted answers, per task type: pick a label by log-likelihood, or generate an answer."""

from __future__ import annotations

import numpy as np

from tunewise.core.adapted import Adapted
from tunewise.core.items import Item
from tunewise.core.label_scores import label_scores
from tunewise.core.results import Prediction
from tunewise.evaluate.answers import extract_answer
from tunewise.tasks.metrics import METRICS, exact_match
from tunewise.tasks.task import Task


def predict_labels(adapted: Adapted, task: Task, items: list[Item], prompts: list[str], desc: str) -> list[Prediction]:
    """Score every label as the continuation of each prompt (its label word, when verbalized), corrected as the
    program says (calibration); no generation and no free-text parsing. The server scores with the same function."""
    scores = label_scores(adapted.backend, adapted.program, task.labels, prompts, desc=desc)
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
    """Greedy answers; a reasoning program writes until its end of turn and its final answer is extracted."""
    program, metric = adapted.program, METRICS.get(task.metric)
    tokens = program.max_new_tokens or task.max_new_tokens
    outputs = adapted.backend.generate(prompts, tokens, () if program.reasoning else task.stop, desc=desc)
    predictions = []
    for item, output in zip(items, outputs, strict=True):
        answer, reasoning = extract_answer(output) if program.reasoning else (output.strip(), "")
        right = metric.example(answer, item.target) if metric.per_example else exact_match(answer, item.target)
        detail = {"raw": output, "reasoning": reasoning} if program.reasoning else {"raw": output}
        predictions.append(Prediction(item.origin, item.input, item.target, answer, right, detail))
    return predictions


PREDICTORS = {"classification": predict_labels, "generation": predict_generations}


def answer_reserve(adapted: Adapted, task: Task) -> int:
    """Tokens a prompt must leave free for its answer: the longest label word, or the generation budget."""
    if task.is_classification:
        return max(adapted.backend.count_tokens(adapted.program.answer_for(label)) for label in task.labels) + 1
    return adapted.program.max_new_tokens or task.max_new_tokens
