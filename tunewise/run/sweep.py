"""Sweeps: one method entry with ``sweep:`` becomes several trials (grid or random over its parameters), each
a stored run. The decision keeps the trial with the best validation score, so the test split never picks."""

from __future__ import annotations

import itertools
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from tunewise.core.typed import Problems, build


@dataclass
class SweepConfig:
    parameters: dict[str, list] = field(metadata={"help": "parameter -> values to try, e.g. {r: [4, 8]}"})
    strategy: Literal["grid", "random"] = field(default="grid", metadata={"help": "every combination, or a sample"})
    trials: int | None = field(default=None, metadata={"help": "at most this many trials (random: how many)"})
    max_minutes: float | None = field(default=None, metadata={"help": "start no new trial after this many minutes"})
    seed: int = field(default=0, metadata={"help": "seed for the random sample"})

    def __post_init__(self):
        empty = [name for name, values in self.parameters.items() if not isinstance(values, list) or not values]
        if not self.parameters or empty:
            raise ValueError(f"parameters needs a non-empty list of values per name (empty: {', '.join(empty)})")
        if self.trials is not None and self.trials < 1:
            raise ValueError(f"trials must be at least 1, got {self.trials}")

    def combinations(self) -> list[dict[str, Any]]:
        names = list(self.parameters)
        grid = [dict(zip(names, values, strict=True)) for values in itertools.product(*self.parameters.values())]
        if self.strategy == "random":
            return random.Random(self.seed).sample(grid, min(self.trials or len(grid), len(grid)))
        return grid[: self.trials]


@dataclass
class Trial:
    """What a method entry knows about the sweep it belongs to."""

    group: str
    number: int
    of: int
    params: dict[str, Any]
    max_minutes: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def expand(config_class: type, params: dict, group: str, raw: Any, problems: Problems, path) -> list:
    """(id, validated method config, Trial) per trial of the sweep described by ``raw``."""
    sweep = build(SweepConfig, raw, problems, (*path, "sweep"))
    if sweep is None:
        return []
    allowed = {name for name in config_class.__dataclass_fields__}
    unknown = [name for name in sweep.parameters if name not in allowed]
    if unknown:
        where = (*path, "sweep", "parameters", unknown[0])
        problems.add(where, f"not a parameter of this method; allowed: {', '.join(sorted(allowed))}")
        return []
    combos = sweep.combinations()
    out = []
    for number, combo in enumerate(combos, 1):
        label = ",".join(f"{name}={value}" for name, value in combo.items())
        config = build(config_class, {**params, **combo}, problems, path)
        trial = Trial(group, number, len(combos), combo, sweep.max_minutes)
        out.append((f"{group}({label})", config, trial))
    return out


class SweepClock:
    """Minutes spent per sweep, so a sweep with ``max_minutes`` starts no trial once they are spent."""

    def __init__(self):
        self.minutes: dict[str, float] = {}

    def spent(self, trial) -> bool:
        return bool(trial and trial.max_minutes is not None and self.minutes.get(trial.group, 0) >= trial.max_minutes)

    @contextmanager
    def timing(self, trial):
        started = time.perf_counter()
        try:
            yield
        finally:
            if trial:
                self.minutes[trial.group] = self.minutes.get(trial.group, 0) + (time.perf_counter() - started) / 60
