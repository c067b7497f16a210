"""What a completed run measured besides its test metrics, as one typed record (stored in its own column, so no
reader has to guess which key of a metrics mapping is a score and which is something else)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class Measurements:
    """Each part is None when it was not measured (switched off, or not applicable to the method)."""

    stability: dict | None = None  # {"mean", "std", "worst", "original", "scores", "variants", "examples"}
    forgetting: dict | None = None  # {"before", "after", "change", "texts", "tokens"}
    cross_validation: dict | None = None  # {"folds", "scores", "mean", "std", "seconds"}
    bias: dict | None = None  # {"metric", "slices", "gap"}
    sweep: dict | None = None  # {"group", "number", "of", "params", "max_minutes", "validation"}
    # Test prompts too long for model.max_length: {"prompts", "of", "demos_dropped", "input_chars_cut"}
    context_cut: dict | None = None
    # The LLM judge's pointwise scores: {"model", "rubric", "metric", "template", "examples", "verdicts", ...}
    judge: dict | None = None

    def as_dict(self) -> dict:
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict | None) -> Measurements:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in (data or {}).items() if name in names})
