from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from peft import PromptTuningConfig, PromptTuningInit

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import ADAPTER_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.soft_prompts import SoftPromptSettings, load_soft_prompt, train_soft_prompt
from tunewise.methods.weights import check_training, training_folds


@dataclass
class PromptTuningSettings(SoftPromptSettings):
    init: Literal["text", "vocab"] = field(
        default="text", metadata={"help": "start from the embeddings of init_text, or of sampled vocabulary"}
    )
    init_text: str | None = field(
        default=None, metadata={"help": "text whose token embeddings start the soft prompt (default: instruction)"}
    )


@register("prompt_tuning")
class PromptTuning:
    config_class = PromptTuningSettings
    trains_weights = True
    suggested = False
    about = (
        "Learns a few 'virtual words' put before every question while the model itself stays unchanged; cheap to "
        "train and tiny to store, but usually needs more examples than LoRA."
    )

    def resources(self, config) -> Resources:
        return ADAPTER_TRAINING

    def check(self, config, task, splits) -> None:
        check_training(config, task, splits)

    def folds(self, config) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: PromptTuningSettings, ctx: FitContext) -> Adapted:
        init = PromptTuningInit.SAMPLE_VOCAB if config.init == "vocab" else PromptTuningInit.RANDOM
        peft_config = PromptTuningConfig(
            task_type="CAUSAL_LM", num_virtual_tokens=config.virtual_tokens, prompt_tuning_init=init
        )
        text = config.init_text or config.instruction or task.instruction or "Answer the question."
        details = {"init": config.init, **({"init_text": text} if config.init == "text" else {})}

        def from_text(model) -> None:
            if config.init == "text":  # done here rather than by PEFT, which would reload the tokenizer by name
                _embed_text(model, base, text, config.virtual_tokens)

        return train_soft_prompt("prompt_tuning", base, task, splits, config, ctx, peft_config, details, from_text)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_soft_prompt("prompt_tuning", base, directory)

    def summary(self, details: dict) -> list:
        return []


def _embed_text(model, base, text: str, length: int) -> None:
    """Set the virtual tokens to the embeddings of ``text``'s tokens, repeated or cut to ``length``."""
    ids = base.encode(text) or [base.tokenizer.eos_token_id]
    ids = (ids * (length // len(ids) + 1))[:length]
    words = model.get_base_model().get_input_embeddings()
    with torch.no_grad():
        vectors = words(torch.tensor(ids, device=words.weight.device)).detach().clone()
        model.prompt_encoder["default"].embedding.weight.copy_(vectors)
