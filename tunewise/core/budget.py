"""The experiment's limits per trained method (the `budget:` section)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BudgetConfig:
    max_train_minutes: float | None = field(default=None, metadata={"help": "stop training a method after this"})
    max_steps: int | None = field(default=None, metadata={"help": "most optimizer steps per trained method"})

    def __post_init__(self):
        if self.max_train_minutes is not None and self.max_train_minutes <= 0:
            raise ValueError(f"max_train_minutes must be more than 0 (or null: no limit), got {self.max_train_minutes}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be at least 1 (or null: no limit), got {self.max_steps}")
