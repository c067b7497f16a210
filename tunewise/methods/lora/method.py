from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from peft import LoraConfig, get_peft_model

from tunewise.core.adapted import WEIGHTS, Adapted, FitContext, read_description
from tunewise.core.resources import ADAPTER_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.lora.quantized import check_quantization, quantized_copy
from tunewise.methods.prompt import PromptSettings
from tunewise.methods.weights import check_training, load_weights, train_weights, training_folds
from tunewise.models.safe import load_adapter
from tunewise.training import TrainSettings


@dataclass
class LoraSettings(PromptSettings, TrainSettings):
    r: int = field(default=8, metadata={"help": "adapter rank"})
    alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (scale = alpha / r)"})
    dropout: float = field(default=0.05, metadata={"help": "dropout on the adapter input"})
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        metadata={"help": "module names that get adapters; 'all-linear' for every linear layer"},
    )
    learning_rate: float = field(default=1e-3, metadata={"help": "peak learning rate"})
    use_dora: bool = field(
        default=False, metadata={"help": "DoRA: adapt each weight's magnitude and direction separately"}
    )
    quantization: Literal["4bit", "8bit"] | None = field(
        default=None, metadata={"help": "QLoRA: train on a 4-bit (NF4) or 8-bit base (needs CUDA + bitsandbytes)"}
    )

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        TrainSettings.__post_init__(self)
        if self.r < 1 or self.alpha < 1 or not 0 <= self.dropout < 1:
            raise ValueError(f"need r >= 1, alpha >= 1, 0 <= dropout < 1; got {self.r}, {self.alpha}, {self.dropout}")


def adapter_resources(config: LoraSettings) -> Resources:
    """What LoRA and the methods built on it need: adapters with their optimizer state, on a GPU for QLoRA."""
    return Resources(gpu=config.quantization is not None, weight_copies=ADAPTER_TRAINING.weight_copies)


@register("lora")
class Lora:
    config_class = LoraSettings
    trains_weights = True
    suggested = True
    about = (
        "Trains a small add-on to the model on your examples; costs some training time, then answers as fast as the "
        "base model and is often much better."
    )

    def resources(self, config: LoraSettings) -> Resources:
        return adapter_resources(config)

    def check(self, config: LoraSettings, task, splits) -> None:
        check_training(config, task, splits)
        check_quantization(config.quantization, config.launcher)

    def folds(self, config: LoraSettings) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: LoraSettings, ctx: FitContext) -> Adapted:
        return train_lora("lora", base, task, splits, config, ctx)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_lora("lora", base, directory)

    def summary(self, details: dict) -> list:
        return []


def lora_model(base, config: LoraSettings):
    """A LoRA-wrapped copy of the base (or of a k-bit reload of it, for QLoRA) and a description of it."""
    targets = "all-linear" if config.target_modules == ["all-linear"] else list(config.target_modules)
    peft_config = LoraConfig(
        task_type="CAUSAL_LM",
        r=config.r,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=targets,
        use_dora=config.use_dora,
    )
    # PEFT injects adapters in place; a copy keeps the shared base model clean for the other methods.
    source = quantized_copy(base, config.quantization) if config.quantization else copy.deepcopy(base.model)
    adapter = {"r": config.r, "alpha": config.alpha, "target_modules": targets, "dora": config.use_dora}
    return get_peft_model(source, peft_config), adapter | {"quantization": config.quantization}


def train_lora(
    method: str, base, task, splits, config: LoraSettings, ctx: FitContext, details=None, program=None
) -> Adapted:
    """Train LoRA adapters. Methods built on LoRA (hybrid, distill) pass their own ``details``, and a
    ``program`` when the prompt is not the one the settings describe."""
    model, adapter = lora_model(base, config)
    details = {"adapter": adapter, **(details or {})}
    return train_weights(method, base, model, task, splits, config, ctx, details, program=program)


def load_lora(method: str, base, directory: Path) -> Adapted:
    """LoRA adapters read back over a copy of the base (for lora and the methods built on it); a QLoRA adapter
    over the same k-bit reload of the base it was trained and measured on, not over the full-precision one."""
    bits = read_description(directory).get("adapter", {}).get("quantization")
    if base.shared_adapters is not None and not bits:  # a server: this adapter joins the others over one base
        model, name = base.shared_adapters.attach(directory / WEIGHTS)
        return load_weights(method, base, directory, lambda weights: model, adapter=name)

    def read(weights: Path):
        if bits:
            check_quantization(bits)
            return load_adapter(quantized_copy(base, bits), weights, copy_base=False)
        return load_adapter(base.model, weights)

    return load_weights(method, base, directory, read)
