from __future__ import annotations

from dataclasses import dataclass, field

from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.soft_prompts import SoftPromptSettings, train_soft_prompt


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

    def fit(self, base, task, splits, config: PrefixTuningSettings, ctx: FitContext) -> Adapted:
        from peft import PrefixTuningConfig

        peft_config = PrefixTuningConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=config.virtual_tokens,
            prefix_projection=config.projection,
            encoder_hidden_size=config.projection_size,
        )
        details = {"projection": config.projection_size if config.projection else None}
        return train_soft_prompt("prefix_tuning", base, task, splits, config, ctx, peft_config, details)
