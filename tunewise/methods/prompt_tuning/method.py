from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch

from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.soft_prompts import SoftPromptSettings, train_soft_prompt


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

    def fit(self, base, task, splits, config: PromptTuningSettings, ctx: FitContext) -> Adapted:
        from peft import PromptTuningConfig, PromptTuningInit

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


def _embed_text(model, base, text: str, length: int) -> None:
    """Set the virtual tokens to the embeddings of ``text``'s tokens, repeated or cut to ``length``."""
    ids = base.encode(text) or [base.tokenizer.eos_token_id]
    ids = (ids * (length // len(ids) + 1))[:length]
    words = model.get_base_model().get_input_embeddings()
    with torch.no_grad():
        vectors = words(torch.tensor(ids, device=words.weight.device)).detach().clone()
        model.prompt_encoder["default"].embedding.weight.copy_(vectors)
