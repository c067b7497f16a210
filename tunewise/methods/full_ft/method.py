from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import FULL_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.prompt import PromptSettings
from tunewise.methods.weights import check_training, load_weights, train_weights, training_folds
from tunewise.models.safe import load_causal_lm
from tunewise.training import TrainSettings


@dataclass
class FullFtSettings(PromptSettings, TrainSettings):
    # Full fine-tuning moves every weight: a rate ~20x below LoRA's keeps it from wrecking the base model.
    learning_rate: float = field(default=5e-5, metadata={"help": "peak learning rate"})
    freeze_embeddings: bool = field(
        default=False, metadata={"help": "keep the token embeddings (and a tied LM head) fixed"}
    )

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        TrainSettings.__post_init__(self)


@register("full_ft")
class FullFineTuning:
    config_class = FullFtSettings
    trains_weights = True
    suggested = False
    about = (
        "Retrains every weight of the model on your examples; the costliest to build and to store, and it can "
        "overfit small data, but it can be the most accurate."
    )

    def resources(self, config) -> Resources:
        return FULL_TRAINING

    def check(self, config: FullFtSettings, task, splits) -> None:
        check_training(config, task, splits)

    def folds(self, config: FullFtSettings) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: FullFtSettings, ctx: FitContext) -> Adapted:
        model = copy.deepcopy(base.model)  # the shared base stays untouched for the other methods
        for parameter in model.parameters():
            parameter.requires_grad = True
        if config.freeze_embeddings:
            model.get_input_embeddings().weight.requires_grad = False
        details = {"full_ft": {"freeze_embeddings": config.freeze_embeddings}}
        return train_weights("full_ft", base, model, task, splits, config, ctx, details)

    def load(self, base, task, directory: Path) -> Adapted:
        def read(weights: Path):
            model = load_causal_lm(weights, field="artifact", dtype=base.placement.dtype)
            return model.to(base.placement.device)

        return load_weights("full_ft", base, directory, read)

    def summary(self, details: dict) -> list:
        return []
