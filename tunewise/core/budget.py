"""The experiment's limits per trained method (the `budget:` section)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BudgetConfig:
    max_train_minutes: float | None = field(default=None, metadata={"help": "stop training a method after this"})
    max_steps: int | None = field(default=None, metadata={"help": "most optimizer steps per trained method"})
