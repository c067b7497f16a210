"""An LLM judge: pointwise rubric scores and position-swapped pairwise preferences, over any Backend."""

from tunewise.evaluate.judge.config import JudgeConfig
from tunewise.evaluate.judge.judge import Judge, PairVerdict, PointVerdict, position_consistency
from tunewise.evaluate.judge.measure import Judging
from tunewise.evaluate.judge.rubrics import RUBRICS, Rubric, rubric_of

__all__ = [
    "RUBRICS",
    "Judge",
    "JudgeConfig",
    "Judging",
    "PairVerdict",
    "PointVerdict",
    "Rubric",
    "position_consistency",
    "rubric_of",
]
