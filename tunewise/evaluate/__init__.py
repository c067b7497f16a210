"""Evaluation: the single path every method is measured by."""

from tunewise.evaluate.evaluate import Evaluation, Score, evaluate, validation_score
from tunewise.evaluate.metrics import METRICS

__all__ = ["METRICS", "Evaluation", "Score", "evaluate", "validation_score"]
