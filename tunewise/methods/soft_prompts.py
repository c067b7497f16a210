"""What the soft-prompt methods (prompt_tuning, prefix_tuning, p_tuning) share: PEFT learns virtual tokens on a
frozen copy of the base, and tunewise serves them as a key/value-cache prefix read before every prompt.

Why not PEFT's own forward/generate at inference: on chat models it is where soft prompts break (attention
masks that ignore left padding, position ids dropped, generation that re-feeds the virtual tokens). Training
uses PEFT's forward (right-padded batches, labels shifted past the virtual tokens); evaluation runs the base
network after the prefix cache with explicit masks and positions, the same positions training saw.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from peft import get_peft_model

from tunewise.core.adapted import Adapted, FitContext
from tunewise.methods.prompt import PromptSettings
from tunewise.methods.weights import load_weights, train_weights
from tunewise.models.safe import load_adapter
from tunewise.training import TrainSettings


@dataclass
class SoftPromptSettings(PromptSettings, TrainSettings):
    virtual_tokens: int = field(default=20, metadata={"help": "number of learned virtual tokens"})
    # Soft prompts move a few thousand numbers from scratch: they need rates ~10-100x LoRA's.
    learning_rate: float = field(default=3e-2, metadata={"help": "peak learning rate"})

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        TrainSettings.__post_init__(self)
        if not 1 <= self.virtual_tokens <= 512:
            raise ValueError(f"virtual_tokens must be between 1 and 512, got {self.virtual_tokens}")


class VirtualTokens:
    """The virtual tokens of a PEFT prompt-learning model, as the key/value cache they produce."""

    def __init__(self, peft_model, length: int):
        self.peft, self.length = peft_model, length

    @property
    def network(self):
        return self.peft.get_base_model()

    def cache(self):
        with torch.inference_mode():
            prompt = self.peft.get_prompt(batch_size=1)
            if isinstance(prompt, torch.Tensor):  # prompt / p-tuning: embeddings fed in place of tokens
                return self.network(inputs_embeds=prompt, use_cache=True, logits_to_keep=1).past_key_values
            return prompt  # prefix tuning: already a key/value cache


def train_soft_prompt(
    method: str,
    base,
    task,
    splits,
    config: SoftPromptSettings,
    ctx: FitContext,
    peft_config,
    details: dict,
    initialise: Callable[[torch.nn.Module], None] | None = None,
) -> Adapted:
    """Wrap a copy of the base with ``peft_config`` (PEFT freezes the base in place, hence the copy),
    optionally ``initialise`` the PEFT model's virtual tokens, train them, and return the adapted model."""
    model = get_peft_model(copy.deepcopy(base.model), peft_config)
    if initialise:
        initialise(model)
    prefix = VirtualTokens(model, config.virtual_tokens)
    details = {"soft_prompt": {"virtual_tokens": config.virtual_tokens, **details}}
    return train_weights(
        method, base, model, task, splits, config, ctx, details, answer_only_logits=False, prefix=prefix
    )


def load_soft_prompt(method: str, base, directory: Path) -> Adapted:
    """A soft prompt read back: PEFT's virtual tokens over a copy of the base, served as a prefix cache."""

    def prefix(model) -> VirtualTokens:
        return VirtualTokens(model, model.peft_config["default"].num_virtual_tokens)

    return load_weights(method, base, directory, lambda weights: load_adapter(base.model, weights), prefix)
