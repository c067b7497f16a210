from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from peft import PromptEncoderConfig

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import ADAPTER_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.soft_prompts import SoftPromptSettings, load_soft_prompt, train_soft_prompt
from tunewise.methods.weights import check_training, training_folds


@dataclass
class PTuningSettings(SoftPromptSettings):
    learning_rate: float = field(default=3e-3, metadata={"help": "peak learning rate"})
    encoder: Literal["mlp", "lstm"] = field(default="mlp", metadata={"help": "network producing the virtual tokens"})
    encoder_size: int = field(default=128, metadata={"help": "hidden size of the encoder"})

    def __post_init__(self):
        SoftPromptSettings.__post_init__(self)
        if self.encoder_size < 1:
            raise ValueError(f"encoder_size must be at least 1, got {self.encoder_size}")


@register("p_tuning")
class PTuning:
    config_class = PTuningSettings
    trains_weights = True
    suggested = False
    about = (
        "Learns 'virtual words' made by a small helper network, while the model stays unchanged; cheap to train and "
        "tiny to store, like prompt tuning."
    )

    def resources(self, config) -> Resources:
        return ADAPTER_TRAINING

    def check(self, config, task, splits) -> None:
        check_training(config, task, splits)

    def folds(self, config) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: PTuningSettings, ctx: FitContext) -> Adapted:
        peft_config = PromptEncoderConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=config.virtual_tokens,
            encoder_reparameterization_type=config.encoder.upper(),
            encoder_hidden_size=config.encoder_size,
        )
        details = {"encoder": config.encoder, "encoder_size": config.encoder_size}
        return train_soft_prompt("p_tuning", base, task, splits, config, ctx, peft_config, details)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_soft_prompt("p_tuning", base, directory)

    def summary(self, details: dict) -> list:
        return []
