"""The experiment's `judge:` section: an LLM judge scores every method's generated test answers on a rubric."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunewise.core.typed import MODEL_REF
from tunewise.evaluate.judge.rubrics import RUBRICS, rubric_of

MAX_EXAMPLES = 10_000  # a judge call per example and method: a larger number is almost surely a typo


def _check_rubric(text: str) -> str | None:
    try:
        rubric_of(text)
    except ValueError as exc:
        return str(exc)
    return None


def _check_examples(count: int) -> str | None:
    return None if 1 <= count <= MAX_EXAMPLES else f"must be between 1 and {MAX_EXAMPLES:,}, got {count}"


@dataclass
class JudgeConfig:
    model: str = field(
        default="base",
        metadata={
            "help": "the judge: a model named under `models:` (e.g. an API model), a packaged model, or 'base' "
            "(the experiment's model)",
            MODEL_REF: True,
        },
    )
    rubric: str = field(
        default="correctness",
        metadata={
            "help": f"what it scores, 1 to 5: {', '.join(RUBRICS)}, or your own rubric as a sentence",
            "check": _check_rubric,
        },
    )
    max_examples: int = field(
        default=100,
        metadata={
            "help": "test examples judged per method (the first ones, the same for every method)",
            "check": _check_examples,
        },
    )

    @property
    def metric(self) -> str:
        return rubric_of(self.rubric).metric
