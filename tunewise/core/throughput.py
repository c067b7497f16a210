"""How fast a device runs a model (measured by ``models/calibration.py``), and what work costs in device time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Throughput:
    hardware: str
    device: str
    dtype: str
    threads: int
    read_flops_per_second: float  # batched forward passes: prompts, scored answers, perplexity texts
    generate_flops_per_second: float  # one new token per row per step, reading the key/value cache
    method: str

    def seconds(self, params: int, read_tokens: float, generated_tokens: float = 0.0) -> float:
        """Device seconds for that much work on a network of ``params`` parameters (2 FLOPs per parameter and
        token)."""
        return (
            2 * params * (read_tokens / self.read_flops_per_second + generated_tokens / self.generate_flops_per_second)
        )

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
