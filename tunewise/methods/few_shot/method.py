from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.errors import TunewiseError
from tunewise.core.resources import PROMPTING, Resources
from tunewise.methods.base import register
from tunewise.methods.calibration import CalibrationSettings, calibrate, calibration_sections, check_calibration
from tunewise.methods.few_shot.selection import POOL, NearestDemos, balanced_demos, load_pool, random_demos, save_pool
from tunewise.methods.prompt import PromptSettings, base_program, check_prompt, load_prompt
from tunewise.models.embeddings import ENCODERS, Embedder

FIXED = {"random": random_demos, "balanced": balanced_demos}


@dataclass
class FewShotConfig(PromptSettings, CalibrationSettings):
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
        CalibrationSettings.__post_init__(self)
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        if self.order.startswith("nearest") != (self.selection == "similar"):
            raise ValueError(f"order {self.order!r} does not fit selection {self.selection!r}")


@register("few_shot")
class FewShot:
    config_class = FewShotConfig

    trains_weights = False
    suggested = True
    about = (
        "Shows the model a few of your examples inside every question; nothing is trained, but the longer prompts "
        "make each answer a little slower and costlier."
    )

    def resources(self, config) -> Resources:
        return PROMPTING

    def check(self, config: FewShotConfig, task, splits) -> None:
        """Called before any model is loaded."""
        check_prompt(config, task)
        check_calibration(config, task, splits)
        if config.k > len(splits.train):
            raise TunewiseError(
                f"few_shot k={config.k} but the training split has {len(splits.train)} examples; "
                "lower k or give more training data"
            )
        if config.selection == "similar":
            ENCODERS.get(config.encoder)  # an unknown encoder is named with the choices

    def folds(self, config: FewShotConfig) -> None:
        return None  # nothing is trained

    def fit(self, base, task, splits, config: FewShotConfig, ctx: FitContext) -> Adapted:
        program = base_program(config, task)
        rng = random.Random(ctx.seed)
        details = {"selection": config.selection, "k": config.k, "order": config.order}
        adapted = Adapted(method="few_shot", backend=base, program=program, details=details)
        if config.selection == "similar":
            nearest_last = config.order == "nearest_last"
            program.select_demos = NearestDemos(splits.train, config.k, _embed(config.encoder), nearest_last)
            program.demos_first_matter = not nearest_last
            details |= {"encoder": config.encoder, "nearest_last": nearest_last}
            # The examples to choose from ship with the artifact: serving needs them.
            adapted.save_files = lambda folder: save_pool(folder / POOL, splits.train)
        else:
            # One fixed, seeded set for every request: the prompt prefix is identical across requests, which is
            # what a deployment would do and what lets the prefix be cached.
            demos = FIXED[config.selection](splits.train, config.k, rng)
            if config.order == "shuffled":
                rng.shuffle(demos)
            program.demos = [(item.input, item.target) for item in demos]
            details["demo_origins"] = [item.origin for item in demos]
        return calibrate(adapted, task, splits, config, ctx)  # after the demonstrations: they move the prior

    def load(self, base, task, directory: Path) -> Adapted:
        adapted = load_prompt("few_shot", base, directory)
        details = adapted.details
        if details.get("selection") == "similar":
            pool = load_pool(directory / POOL)
            embed = _embed(details["encoder"])
            adapted.program.select_demos = NearestDemos(pool, details["k"], embed, details["nearest_last"])
            adapted.save_files = lambda folder: save_pool(folder / POOL, pool)
        return adapted

    def summary(self, details: dict) -> list:
        return calibration_sections(details)


def _embed(encoder: str):
    return Embedder.packaged(encoder).embed
