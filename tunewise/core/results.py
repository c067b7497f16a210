"""What evaluation produces: per-example predictions, metrics with confidence intervals, and cost figures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Score:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high}


@dataclass
class Prediction:
    origin: str
    input: str
    target: str
    prediction: str
    correct: bool
    detail: dict = field(default_factory=dict)  # label scores, raw generation, ...


@dataclass
class Evaluation:
    predictions: list[Prediction]
    metrics: dict[str, Score]
    primary: str
    seconds: float
    prompt_tokens: float  # mean tokens per request
    cost: dict = field(default_factory=dict)
    cut: dict = field(default_factory=dict)  # prompts too long for the context and what they lost; {} if none

    @property
    def score(self) -> float:
        return self.metrics[self.primary].value
