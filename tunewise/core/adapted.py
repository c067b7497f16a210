"""A base model adapted to a task, and what a method may use while adapting it.

A method turns a base model into an ``Adapted``: a backend (the base, or the base plus trained weights) and a
prompt program. Evaluation only ever sees ``Adapted``, so every method is measured by the same code. Methods
reach that code through ``FitContext`` (``evaluate``/``predict``), never by importing the evaluation stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunewise.core.backend import Backend
from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import TunewiseError
from tunewise.core.fetch import atomic_write_text
from tunewise.core.fitting import Cut, fit_prompt
from tunewise.core.items import Item
from tunewise.core.prompt import PromptProgram
from tunewise.core.results import Evaluation, Prediction

DESCRIPTION = "adapted.json"  # the prompt program and what the method learned, beside the weights
WEIGHTS = "weights"  # trained weights (safetensors), in the folder layout transformers / PEFT load


@dataclass
class Adapted:
    """A base model adapted to a task: what evaluation runs and what gets served."""

    method: str
    backend: Backend
    program: PromptProgram
    trainable_params: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    # Writes what the method learned (weights under ``weights/``, a demonstration pool...) into the artifact.
    save_files: Callable[[Path], None] | None = None

    def prompt(self, input_text: str, reserve: int = 0) -> str:
        """The prompt for one request, fitted to the context with ``reserve`` tokens left for the answer."""
        return self.fit_prompt(input_text, reserve)[0]

    def fit_prompt(self, input_text: str, reserve: int = 0) -> tuple[str, Cut]:
        """The prompt, and what it lost to fit (see ``core/fitting.py``)."""
        return fit_prompt(self.backend, self.program, input_text, reserve)

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
        atomic_write_text(directory / DESCRIPTION, json.dumps(self.describe(), indent=2, default=str))
        if self.save_files:
            self.save_files(directory)
        return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def read_description(directory: Path) -> dict[str, Any]:
    """What ``Adapted.save`` wrote about the method (its prompt program and details)."""
    return json.loads((directory / DESCRIPTION).read_text(encoding="utf-8"))


Evaluate = Callable[..., Evaluation]  # (adapted, items, *, desc="", intervals=True) -> Evaluation
Predict = Callable[..., list[Prediction]]  # (adapted, items, *, desc="") -> answers only, no metrics


@dataclass
class FitContext:
    """What a method may use besides the data: limits, a seed, the task's evaluation path (bound to the task),
    progress reporting, and where trained methods checkpoint."""

    seed: int
    budget: BudgetConfig
    evaluate: Evaluate
    predict: Predict
    log_metric: Callable[[int, str, float], None] = lambda step, name, value: None
    validation: list[Item] = field(default_factory=list)  # scored by ``validate`` (early stopping)
    checkpoint_dir: Path | None = None  # where trained methods write resumable checkpoints
    resume_from: Path | None = None  # a checkpoint to continue from (``tunewise resume``)
    # Another model by the name the experiment gives it (``models:``, a packaged model, a folder), loaded once
    # per experiment: teachers, proposers, judges. The work it does is priced with the method's build.
    models: Callable[[str], Backend] | None = None
    # Dollars this method has spent so far on models billed per token (its base, teachers, proposers), at the
    # experiment's token prices, cached answers included: a $ budget then stops at the same point on every run.
    spent_usd: Callable[[], float] = lambda: 0.0
    # The artifact folder of this experiment's latest completed run of a method entry, by its id: for a method
    # that continues another's training (dpo's ``start_from``). The runner binds it; None outside an experiment.
    prior: Callable[[str], Path] | None = None

    def model(self, name: str | None, base: Backend) -> Backend:
        """``name``'s model, or ``base`` for none or 'base'."""
        if name in (None, "base"):
            return base
        if self.models is None:
            raise ValueError(f"no model named {name!r} here: this context was built without other models")
        return self.models(name)

    def prior_artifact(self, method_id: str) -> Path:
        """The artifact of this experiment's latest completed run of ``method_id`` (``prior``)."""
        if self.prior is None:
            raise TunewiseError(
                f"starting from {method_id!r} needs the runs of an experiment: run this method with `tunewise run`, "
                f"listing {method_id!r} before it under `methods:`"
            )
        return self.prior(method_id)

    def validate(self, adapted: Adapted) -> float:
        """The primary metric on the validation split, without intervals."""
        # No progress of its own: the training bar shows the validation score (and piped logs stay short).
        return self.evaluate(adapted, self.validation, desc="", intervals=False).score
