from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class TrainSettings:
    """Optimisation settings every trained method accepts."""

    learning_rate: float = field(default=2e-4, metadata={"help": "peak learning rate"})
    epochs: float = field(default=2.0, metadata={"help": "passes over the training split"})
    batch_size: int = field(default=8, metadata={"help": "examples per optimizer step (before accumulation)"})
    gradient_accumulation: int = field(default=1, metadata={"help": "batches accumulated per step"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    warmup: float = field(default=0.05, metadata={"help": "warm-up: ratio of steps if < 1, else steps"})
    eval_every: int | None = field(default=None, metadata={"help": "validate every N steps (default: per epoch)"})
    patience: int = field(default=2, metadata={"help": "validations without improvement before stopping"})
    schedule: Literal["linear", "cosine", "constant"] = field(
        default="linear", metadata={"help": "learning-rate schedule after warm-up"}
    )
    checkpoint_every: int | None = field(
        default=50, metadata={"help": "save a resumable checkpoint every N steps (null: never)"}
    )
    cross_validation: int | None = field(
        default=None, metadata={"help": "also train on k folds of the training split and report mean ± std"}
    )
    launcher: Literal["local", "accelerate"] = field(
        default="local", metadata={"help": "local: this process; accelerate: data-parallel over local processes"}
    )
    processes: int = field(default=2, metadata={"help": "processes (GPUs) that launcher accelerate trains on"})
    distributed: Literal["ddp", "fsdp"] = field(
        default="ddp", metadata={"help": "with launcher accelerate on GPUs: ddp, or fsdp (sharded); CPUs use ddp"}
    )

    def __post_init__(self):
        checks = {
            "learning_rate": self.learning_rate > 0,
            "epochs": self.epochs > 0,
            "batch_size": self.batch_size >= 1,
            "gradient_accumulation": self.gradient_accumulation >= 1,
            "weight_decay": self.weight_decay >= 0,
            "warmup": self.warmup >= 0,
            "eval_every": self.eval_every is None or self.eval_every >= 1,
            "patience": self.patience >= 1,
            "checkpoint_every": self.checkpoint_every is None or self.checkpoint_every >= 1,
            "cross_validation": self.cross_validation is None or self.cross_validation >= 2,
            "processes": self.processes >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"out of range: {values} (rates, epochs and sizes must be positive)")
