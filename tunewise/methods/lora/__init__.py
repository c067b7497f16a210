"""lora: low-rank adapters (PEFT) trained on the task's answers, with the zero-shot prompt as input."""

from tunewise.methods.lora.method import Lora, LoraSettings, adapter_resources, load_lora, train_lora

__all__ = ["Lora", "LoraSettings", "adapter_resources", "load_lora", "train_lora"]
