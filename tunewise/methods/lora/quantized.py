"""QLoRA: the base reloaded in 4-bit (NF4) or 8-bit with bitsandbytes, LoRA adapters trained on top.
bitsandbytes kernels need CUDA; on any other machine the method is refused before a model loads."""

from __future__ import annotations

import importlib.util

import torch
from peft import prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

from tunewise.core.errors import TunewiseError


def check_quantization(bits: str | None, launcher: str = "local") -> None:
    if bits is None:
        return
    if launcher != "local":  # a k-bit base cannot be handed to other processes and moved to their GPUs
        raise TunewiseError(f"quantization {bits} (QLoRA) trains in one process; remove `launcher: {launcher}`")
    if not torch.cuda.is_available():
        raise TunewiseError(
            f"quantization {bits} (QLoRA) needs a CUDA GPU and this machine has none; "
            "remove `quantization` to train plain LoRA here"
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise TunewiseError(f"quantization {bits} (QLoRA) needs bitsandbytes: pip install bitsandbytes")


def quantized_copy(base, bits: str):
    """A fresh k-bit copy of the base model from its folder, prepared for adapter training."""
    if base.source is None:
        raise TunewiseError("quantization needs a base model loaded from a folder")
    if bits == "4bit":
        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    else:
        quantization = BitsAndBytesConfig(load_in_8bit=True)
    model = AutoModelForCausalLM.from_pretrained(
        base.source,
        quantization_config=quantization,
        device_map={"": base.placement.device.index or 0},  # the GPU model.device chose
        use_safetensors=True,
        trust_remote_code=False,
    )
    # Non-reentrant checkpointing: the reentrant kind is deprecated (PyTorch warns) and drops some gradients.
    return prepare_model_for_kbit_training(model, gradient_checkpointing_kwargs={"use_reentrant": False})
