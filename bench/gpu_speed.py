"""Section e: on a machine with a CUDA GPU, section b again with the model in bfloat16 on the GPU, its MFU
against the GPU's measured bf16 matmul peak (CUDA events). Without one it records that there is none."""

from __future__ import annotations

import machine
import torch
import train_speed
import workload
from report import Section

KEY, TITLE = "gpu", "e. GPU: LoRA training in bf16"


def measure(steps: int | None) -> Section:
    if not torch.cuda.is_available():
        section = Section(KEY, TITLE)
        for key, label, unit in (
            ("tunewise_tokens_per_second", "tunewise trainer", "tok/s"),
            ("plain_tokens_per_second", "plain Trainer + PEFT", "tok/s"),
            ("ratio", "speed-up (tokens/s)", "x"),
            ("mfu_tunewise", "MFU, tunewise", "fraction"),
        ):
            section.add(key, label, None, unit, text="no GPU on this machine")
        section.notes.append("torch.cuda.is_available() is False here; on a CUDA machine this section measures.")
        return section
    on_gpu = workload.load(device="cuda", dtype="bfloat16")
    title = f"{TITLE} on {torch.cuda.get_device_name(0)}"
    peak = lambda: machine.matmul_peak("cuda", torch.bfloat16)  # noqa: E731
    return train_speed.measure(on_gpu, steps, peak, key=KEY, title=title)
