"""Where a model runs and in what precision: ``model.device`` and ``model.dtype``, resolved once at load.

``auto`` picks a CUDA GPU when one is present (then an Apple GPU), else the CPU; dtype ``auto`` is bfloat16 on a
GPU that computes in it natively and float32 elsewhere (CPUs here have no bf16 units). A device that was asked
for and is not there is an error: nothing silently falls back to the CPU, and every run records where it ran.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

import torch

from tunewise.core.errors import InputError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class Placement:
    device: torch.device
    dtype: torch.dtype

    @property
    def is_gpu(self) -> bool:
        return self.device.type in ("cuda", "mps")

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    def record(self) -> dict:
        """What a run stores about where it ran."""
        return {"device": str(self.device), "dtype": self.dtype_name, "hardware": hardware_name(self.device)}


def resolve(device: str = "auto", dtype: str = "auto") -> Placement:
    where = _device(device)
    return Placement(where, _dtype(dtype, where))


def _device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        return torch.device("mps") if torch.backends.mps.is_available() else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise _missing(name, "this machine has no Apple GPU (MPS)")
        return torch.device("mps")
    index = int(name.partition(":")[2] or 0)
    if not torch.cuda.is_available():
        raise _missing(name, "this machine has no CUDA GPU (or torch was installed without CUDA)")
    if index >= torch.cuda.device_count():
        raise _missing(name, f"this machine has {torch.cuda.device_count()} CUDA GPU(s), numbered from 0")
    return torch.device("cuda", index)


def _dtype(name: str, device: torch.device) -> torch.dtype:
    if name != "auto":
        wanted = DTYPES[name]
        if wanted != torch.float32 and device.type == "cpu":
            raise InputError(
                f"{name} on the CPU is emulated and slower than float32 here",
                field="model.dtype",
                value=name,
                fix="use dtype: float32 (or auto) on the CPU",
            )
        return wanted
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def _missing(name: str, why: str) -> InputError:
    return InputError(
        why, field="model.device", value=name, fix="use device: auto (or cpu), or run on a machine that has it"
    )


def hardware_name(device: torch.device) -> str:
    """The GPU's name, or the CPU's model name: what a price sheet is keyed by."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return cpu_name()


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"
