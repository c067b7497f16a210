"""The one interface every method implements, prompt methods and weight methods alike.

A method turns a base model into an ``Adapted``: a backend (the base, or the base plus trained weights) and a
prompt program. Evaluation only ever sees ``Adapted``, so every method is measured by the same code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tunewise.config import BudgetConfig
from tunewise.data.split import Splits
from tunewise.fetch import atomic_write_text
from tunewise.methods.prompt import PromptProgram
from tunewise.models.backend import Backend
from tunewise.registry import Registry
from tunewise.tasks.task import Task


@dataclass
class FitContext:
    """What a method may use besides the data: limits, a seed, where to write, and how to report progress."""

    seed: int
    budget: BudgetConfig
    artifact_dir: Path
    log_metric: Callable[[int, str, float], None] = lambda step, name, value: None
    validate: Callable[[Adapted], float] | None = None  # primary metric on the validation split
    checkpoint_dir: Path | None = None  # where trained methods write resumable checkpoints
    resume_from: Path | None = None  # a checkpoint to continue from (``tunewise resume``)


@dataclass
class Adapted:
    """A base model adapted to a task: what evaluation runs and what gets served."""

    method: str
    backend: Backend
    program: PromptProgram
    trainable_params: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    save_weights: Callable[[Path], None] | None = None

    def prompt(self, input_text: str) -> str:
        return self.backend.render(self.program.messages(input_text))

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "prompt": self.program.to_dict(),
            "trainable_params": self.trainable_params,
            **self.details,
        }

    def save(self, directory: Path) -> int:
        """Write the artifact (prompt program, plus weights when trained); returns its size in bytes."""
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write_text(directory / "adapted.json", json.dumps(self.describe(), indent=2, default=str))
        if self.save_weights:
            self.save_weights(directory / "weights")
        return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


class Method(Protocol):
    """A method may also define ``check(config, task, splits)``, called before any model is loaded, to refuse
    settings that do not fit the data (raise ``TunewiseError``)."""

    config_class: type

    def fit(self, base: Backend, task: Task, splits: Splits, config: Any, ctx: FitContext) -> Adapted:
        """Adapt ``base`` to ``task`` using the training (and, for early stopping, validation) split."""


METHODS: Registry[Method] = Registry("method")


def register(name: str) -> Callable[[type], type]:
    """Class decorator: ``@register("name")`` on a method class registers one instance under that name."""

    def decorate(cls: type) -> type:
        METHODS.register(name, cls())
        return cls

    return decorate
