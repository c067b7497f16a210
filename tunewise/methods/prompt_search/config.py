"""Prompt search's settings: what to try (``SearchSettings``, which hybrid holds too) and the prompt to start from."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunewise.core.typed import MODEL_REF
from tunewise.methods.calibration import CalibrationSettings
from tunewise.methods.prompt import PromptSettings


@dataclass
class SearchSettings:
    instructions: list[str] = field(default_factory=list, metadata={"help": "your own candidate instructions"})
    templates: bool = field(default=True, metadata={"help": "also try built-in rewrites of the instruction"})
    proposals: int = field(default=3, metadata={"help": "instructions a proposer writes from failing examples"})
    proposer: str = field(
        default="base",
        metadata={
            "help": "who writes new instructions: 'base' (the model itself), a model under `models:` (e.g. a "
            "strong API model), a packaged model or a model folder",
            MODEL_REF: True,
        },
    )
    k: int = field(default=4, metadata={"help": "demonstrations bootstrapped from the model's correct answers"})
    max_evaluations: int = field(default=12, metadata={"help": "budget: candidate evaluations on validation"})
    max_usd: float | None = field(
        default=None, metadata={"help": "budget: dollars spent on models billed per token (null: no limit)"}
    )
    failures_shown: int = field(default=3, metadata={"help": "failing examples shown to the proposer"})

    def __post_init__(self):
        if self.max_evaluations < 1 or self.k < 0 or self.proposals < 0 or self.failures_shown < 1:
            raise ValueError("need max_evaluations >= 1, k >= 0, proposals >= 0 and failures_shown >= 1")
        if self.max_usd is not None and self.max_usd < 0:
            raise ValueError(f"max_usd must be 0 or more, got {self.max_usd}")


@dataclass
class PromptSearchConfig(PromptSettings, SearchSettings, CalibrationSettings):
    def __post_init__(self):
        PromptSettings.__post_init__(self)
        SearchSettings.__post_init__(self)
        CalibrationSettings.__post_init__(self)
