"""Evaluation: the single path every method is measured by."""

from tunewise.evaluate.context import fit_context
from tunewise.evaluate.evaluate import evaluate, predict, validation_score
from tunewise.evaluate.measure import Measurer

__all__ = ["Measurer", "evaluate", "fit_context", "predict", "validation_score"]
