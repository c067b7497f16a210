"""How a prompt program ranks the labels: the one function evaluation and the server both score labels with, so a
served run answers exactly as it was measured.

A label's score is the log-likelihood of its answer word after the prompt, corrected as the program says
(``PromptProgram.score_per_token`` and ``score_bias``, chosen on the validation split by
``methods/calibration.py``). Raw log-likelihoods carry the model's prior over the label words (a short or
frequent word wins whatever the input); the correction takes it out. A program without one scores raw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tunewise.core.backend import Backend
from tunewise.core.prompt import PromptProgram


def label_scores(
    backend: Backend, program: PromptProgram, labels: Sequence[str], prompts: Sequence[str], desc: str = ""
) -> np.ndarray:
    """Each label's corrected score after each prompt: shape (len(prompts), len(labels)); argmax is the answer."""
    answers = [program.answer_for(label) for label in labels]
    raw = backend.score(prompts, answers, desc=desc)
    tokens = [backend.count_tokens(answer) for answer in answers] if program.score_per_token else None
    return corrected(program, labels, raw, tokens)


def corrected(
    program: PromptProgram, labels: Sequence[str], raw: np.ndarray, answer_tokens: Sequence[int] | None = None
) -> np.ndarray:
    """``raw`` log-likelihoods with the program's correction: per answer token when it says so (``answer_tokens``
    is then each label's answer length), then its per-label bias added (a label it does not name gets none)."""
    scores = np.array(raw, dtype=float)  # a copy: the caller's (possibly cached) scores are left as they were
    if program.score_per_token:
        if answer_tokens is None:
            raise ValueError("per-token scores need each answer's token count")
        scores /= np.maximum(np.asarray(answer_tokens, dtype=float), 1.0)
    if program.score_bias:
        scores += np.array([program.score_bias.get(label, 0.0) for label in labels])
    return scores
