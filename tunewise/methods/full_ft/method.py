from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.prompt import PromptSettings, base_program
from tunewise.training import TrainSettings, train_causal_lm


@dataclass
class FullFtSettings(PromptSettings, TrainSettings):
    # Full fine-tuning moves every weight: a rate ~20x below LoRA's keeps it from wrecking the base model.
    learning_rate: float = field(default=5e-5, metadata={"help": "peak learning rate (linear decay)"})
    freeze_embeddings: bool = field(
        default=False, metadata={"help": "keep the token embeddings (and a tied LM head) fixed"}
    )

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        TrainSettings.__post_init__(self)


@register("full_ft")
class FullFineTuning:
    config_class = FullFtSettings

    def fit(self, base, task, splits, config: FullFtSettings, ctx: FitContext) -> Adapted:
        model = copy.deepcopy(base.model)  # the shared base stays untouched for the other methods
        for parameter in model.parameters():
            parameter.requires_grad = True
        if config.freeze_embeddings:
            model.get_input_embeddings().weight.requires_grad = False
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        adapted = Adapted(
            method="full_ft",
            backend=base.with_model(model),
            program=base_program(config, task),
            trainable_params=trainable,
            details={"full_ft": {"freeze_embeddings": config.freeze_embeddings}},
            save_weights=model.save_pretrained,  # safetensors
        )
        adapted.details.update(train_causal_lm(adapted, splits.train, config, ctx).as_details())
        return adapted
