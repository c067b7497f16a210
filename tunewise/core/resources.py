"""What one method needs from the machine that runs it, so a distributed executor places it on a worker that
has it: a GPU, and memory counted in copies of the base model's weights (the base itself is one copy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resources:
    gpu: bool = False  # refuses to run without a CUDA device (QLoRA's bitsandbytes kernels)
    # Peak memory as a multiple of the base's weights: 1 for prompting, a little more for adapters and their
    # optimizer state, about 4 for full fine-tuning (weights, gradients and AdamW's two moments).
    weight_copies: float = 1.0

    def memory_bytes(self, base_bytes: int) -> int:
        return int(self.weight_copies * base_bytes)


PROMPTING = Resources()
ADAPTER_TRAINING = Resources(weight_copies=1.5)
FULL_TRAINING = Resources(weight_copies=4.0)
