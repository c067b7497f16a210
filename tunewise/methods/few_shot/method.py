from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from tunewise.errors import TunewiseError
from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.prompt import PromptSettings, base_program


@dataclass
class FewShotConfig(PromptSettings):
    k: int = field(default=4, metadata={"help": "number of training examples shown in the prompt"})
    selection: Literal["random"] = field(default="random", metadata={"help": "how examples are chosen"})

    def __post_init__(self):
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")


@register("few_shot")
class FewShot:
    config_class = FewShotConfig

    def check(self, config: FewShotConfig, task, splits) -> None:
        """Called before any model is loaded."""
        if config.k > len(splits.train):
            raise TunewiseError(
                f"few_shot k={config.k} but the training split has {len(splits.train)} examples; "
                "lower k or give more training data"
            )

    def fit(self, base, task, splits, config: FewShotConfig, ctx: FitContext) -> Adapted:
        # One fixed, seeded set for every request: the prompt prefix is identical across requests, which is
        # what a deployment would do and what lets the prefix be cached.
        demos = random.Random(ctx.seed).sample(splits.train, config.k)
        program = base_program(config, task)
        program.demos = [(item.input, item.target) for item in demos]
        origins = [item.origin for item in demos]
        return Adapted(method="few_shot", backend=base, program=program, details={"demo_origins": origins})
