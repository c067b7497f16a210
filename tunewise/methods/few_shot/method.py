from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from tunewise.errors import TunewiseError
from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.few_shot.selection import NearestDemos, balanced_demos, random_demos
from tunewise.methods.prompt import PromptSettings, base_program

FIXED = {"random": random_demos, "balanced": balanced_demos}


@dataclass
class FewShotConfig(PromptSettings):
    k: int = field(default=4, metadata={"help": "number of training examples shown in the prompt"})
    selection: Literal["random", "balanced", "similar"] = field(
        default="random",
        metadata={"help": "random (seeded), balanced (round-robin over labels), similar (nearest by embedding)"},
    )
    order: Literal["as_selected", "shuffled", "nearest_last", "nearest_first"] = field(
        default="as_selected",
        metadata={"help": "example order; nearest_last/nearest_first apply to selection: similar"},
    )
    encoder: str = field(default="all-minilm-l6-v2", metadata={"help": "sentence encoder for selection: similar"})

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        if self.order.startswith("nearest") != (self.selection == "similar"):
            raise ValueError(f"order {self.order!r} does not fit selection {self.selection!r}")


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
        if config.selection == "similar":
            from tunewise.models.embeddings import ENCODERS

            ENCODERS.get(config.encoder)  # an unknown encoder is named with the choices

    def fit(self, base, task, splits, config: FewShotConfig, ctx: FitContext) -> Adapted:
        program = base_program(config, task)
        rng = random.Random(ctx.seed)
        details = {"selection": config.selection, "k": config.k, "order": config.order}
        if config.selection == "similar":
            from tunewise.models.embeddings import Embedder

            embedder = Embedder.packaged(config.encoder)
            program.select_demos = NearestDemos(splits.train, config.k, embedder.embed, config.order == "nearest_last")
            details["encoder"] = config.encoder
        else:
            # One fixed, seeded set for every request: the prompt prefix is identical across requests, which is
            # what a deployment would do and what lets the prefix be cached.
            demos = FIXED[config.selection](splits.train, config.k, rng)
            if config.order == "shuffled":
                rng.shuffle(demos)
            program.demos = [(item.input, item.target) for item in demos]
            details["demo_origins"] = [item.origin for item in demos]
        return Adapted(method="few_shot", backend=base, program=program, details=details)
