"""``semantic_similarity``: how close an answer's meaning is to the target's, as the cosine of their embeddings by
the packaged MiniLM encoder (negative cosines count as 0). It credits a paraphrase that shares few words and
characters with the target, where chrF and token F1 give little. Registered here, beside the encoder, and
loaded on first use: a task that does not name it never loads the encoder."""

from __future__ import annotations

import functools

import numpy as np

from tunewise.models.embeddings import Embedder
from tunewise.tasks.metric_registry import graded_metric

ENCODER = "all-minilm-l6-v2"


@functools.cache
def _embedder() -> Embedder:
    return Embedder.packaged(ENCODER)


@graded_metric("semantic_similarity", "generation")
def semantic_similarity(prediction: str, target: str) -> float:
    if not prediction.strip() or not target.strip():
        return float(prediction.strip() == target.strip())
    a, b = _embedder().embed([prediction, target])
    return float(np.clip(np.dot(a, b), 0.0, 1.0))
