"""How strongly a model prefers the rated answers: the log-likelihood it gives each answer after its prompt
(rendered and fitted as served, scored like the label metrics score labels), measured before and after training.
Pairs: the mean of log p(chosen) - log p(rejected). Judgments: the mean over good answers minus that over bad."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from tunewise.core.adapted import Adapted
from tunewise.methods.dpo.preferences import Preferences


def preference_margin(adapted: Adapted, preferences: Preferences) -> dict:
    rows = preferences.rows
    if preferences.loss == "dpo":
        chosen = answer_log_likelihoods(adapted, [(r["prompt"], r["chosen"]) for r in rows])
        rejected = answer_log_likelihoods(adapted, [(r["prompt"], r["rejected"]) for r in rows])
        return {"chosen": _mean(chosen), "rejected": _mean(rejected), "margin": _mean(chosen - rejected)}
    scores = answer_log_likelihoods(adapted, [(r["prompt"], r["completion"]) for r in rows])
    good = np.array([r["label"] for r in rows])
    desirable, undesirable = _mean(scores[good]), _mean(scores[~good])
    margin = None if desirable is None or undesirable is None else desirable - undesirable
    return {"desirable": desirable, "undesirable": undesirable, "margin": margin}


def answer_log_likelihoods(adapted: Adapted, pairs: list[tuple[str, str]]) -> np.ndarray:
    """log p(answer | prompt) for each (task input, answer); inputs rated with the same answer (a label word) are
    scored in one call."""
    by_answer = defaultdict(list)
    for i, (_, answer) in enumerate(pairs):
        by_answer[answer].append(i)
    scores = np.zeros(len(pairs))
    for answer, indices in by_answer.items():
        reserve = adapted.backend.count_tokens(answer)
        prompts = [adapted.prompt(pairs[i][0], reserve=reserve) for i in indices]
        scores[indices] = adapted.backend.score(prompts, [answer])[:, 0]
    return scores


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None
