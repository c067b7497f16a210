"""Sweeps: one method entry with ``sweep:`` becomes several trials (grid or random over its parameters), each
a stored run. The decision keeps the trial with the best validation score, so the test split never picks."""

from __future__ import annotations

import itertools
import math
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from tunewise.core.typed import Problems, build

MAX_TRIALS = 1000  # each trial is a stored run and a fit: more is a mistake, not a plan


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
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ValueError(f"max_minutes must be more than 0, got {self.max_minutes}")
        if self.size > MAX_TRIALS and (self.trials is None or self.trials > MAX_TRIALS):
            raise ValueError(
                f"the sweep has {self.size:,} combinations; at most {MAX_TRIALS:,} trials are run: set "
                f"trials (<= {MAX_TRIALS:,}; strategy: random samples them) or give fewer values"
            )

    @property
    def size(self) -> int:
        """The number of combinations, counted, never built."""
        return math.prod(len(values) for values in self.parameters.values())

    def combinations(self) -> list[dict[str, Any]]:
        """The trials: the grid's first ``trials`` combinations, or a seeded sample of them (random), without
        building the grid: a sample of indices into it (the same sample ``Random.sample(grid)`` would draw)."""
        count = min(self.trials or self.size, self.size)
        if self.strategy == "random":
            return [self._combination(i) for i in _sample_indices(self.size, count, self.seed)]
        grid = itertools.product(*self.parameters.values())
        return [dict(zip(self.parameters, values, strict=True)) for values in itertools.islice(grid, count)]

    def _combination(self, index: int) -> dict[str, Any]:
        """The ``index``-th combination in ``itertools.product`` order (the last parameter varies fastest)."""
        out = {}
        for name in reversed(list(self.parameters)):
            values = self.parameters[name]
            index, position = divmod(index, len(values))
            out[name] = values[position]
        return {name: out[name] for name in self.parameters}


def _sample_indices(size: int, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    if size <= sys.maxsize:  # a range is a sequence Random.sample can index
        return rng.sample(range(size), count)
    chosen: dict[int, None] = {}  # past sys.maxsize a range has no len(); distinct draws, in drawing order
    while len(chosen) < count:
        chosen[rng.randrange(size)] = None
    return list(chosen)


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
