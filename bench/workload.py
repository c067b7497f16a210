"""What the benchmarks run on: the demo experiment's task, splits, base model and methods
(examples/rotten_tomatoes.yaml, the packaged SmolLM2-135M-Instruct and the catalog's rotten_tomatoes)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.adapted import Adapted
from tunewise.evaluate import fit_context
from tunewise.methods import METHODS
from tunewise.models import load_base
from tunewise.run.config import ExperimentConfig, load_experiment
from tunewise.run.prepare import prepare
from tunewise.tasks.prepare import PreparedSplits
from tunewise.tasks.task import Task

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "rotten_tomatoes.yaml"


@dataclass
class Workload:
    config: ExperimentConfig
    task: Task
    splits: PreparedSplits
    base: object  # HFBackend

    def params(self, method: str):
        """The demo's settings of its ``method`` entry (zero_shot, few_shot, lora)."""
        return next(entry.params for entry in self.config.entries if entry.method == method)

    def prompt_method(self, method: str) -> Adapted:
        """The demo's prompt method fitted as the runner fits it (few_shot picks its seeded demonstrations)."""
        ctx = fit_context(self.task, self.splits, seed=self.config.seed, budget=self.config.budget)
        return METHODS.get(method).fit(self.base, self.task, self.splits, self.params(method), ctx)


def load(device: str | None = None, dtype: str | None = None) -> Workload:
    """The demo's experiment with its model placed on ``device``/``dtype`` (default: the file's, i.e. auto)."""
    config = load_experiment(DEMO)
    if device or dtype:
        config.model = dataclasses.replace(config.model, device=device or config.model.device, dtype=dtype or "auto")
    task, splits = prepare(config)
    return Workload(config, task, splits, load_base(config.model, seed=config.seed))
