from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peft import PrefixTuningConfig

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import ADAPTER_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.soft_prompts import SoftPromptSettings, load_soft_prompt, train_soft_prompt
from tunewise.methods.weights import check_training, training_folds


@dataclass
class PrefixTuningSettings(SoftPromptSettings):
    learning_rate: float = field(default=1e-2, metadata={"help": "peak learning rate"})
    projection: bool = field(
        default=False, metadata={"help": "learn the prefix through an MLP (steadier, many more parameters)"}
    )
    projection_size: int = field(default=256, metadata={"help": "hidden size of that MLP"})

    def __post_init__(self):
        SoftPromptSettings.__post_init__(self)
        if self.projection_size < 1:
            raise ValueError(f"projection_size must be at least 1, got {self.projection_size}")


@register("prefix_tuning")
class PrefixTuning:
    config_class = PrefixTuningSettings
    trains_weights = True
    suggested = False
    about = (
        "Learns hidden notes the model reads before every question, at every layer, while the model stays unchanged; "
        "tiny to store, but training is less steady than LoRA's."
    )

    def resources(self, config) -> Resources:
        return ADAPTER_TRAINING

    def check(self, config, task, splits) -> None:
        check_training(config, task, splits)

    def folds(self, config) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: PrefixTuningSettings, ctx: FitContext) -> Adapted:
        peft_config = PrefixTuningConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=config.virtual_tokens,
            prefix_projection=config.projection,
            encoder_hidden_size=config.projection_size,
        )
        details = {"projection": config.projection_size if config.projection else None}
        return train_soft_prompt("prefix_tuning", base, task, splits, config, ctx, peft_config, details)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_soft_prompt("prefix_tuning", base, directory)

    def summary(self, details: dict) -> list:
        return []
