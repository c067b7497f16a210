"""Evaluation: the single path every method is measured by."""

from tunewise.evaluate.evaluate import Evaluation, Score, evaluate, validation_score
from tunewise.evaluate.latency import request_latency
from tunewise.evaluate.metrics import METRICS

__all__ = ["METRICS", "Evaluation", "Score", "evaluate", "request_latency", "validation_score"]
