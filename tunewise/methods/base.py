"""The one interface every method implements, prompt methods and weight methods alike.

The runner, the evaluation and the report know this protocol and the registry, never a method: adding a
method means adding a folder under ``methods/`` whose class registers itself with ``@register``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import Backend
from tunewise.core.items import Splits
from tunewise.core.registry import Registry
from tunewise.core.resources import Resources
from tunewise.core.sections import Section
from tunewise.tasks.task import Task


class Method(Protocol):
    config_class: type  # a dataclass, validated from the experiment file
    trains_weights: bool  # needs a local model whose weights it can train; prompt methods run on any backend
    suggested: bool  # ticked by default in the studio's new-experiment form (a starter comparison)
    about: str  # one or two plain sentences for people who are not programmers: what it does, what it costs

    def check(self, config: Any, task: Task, splits: Splits) -> None:
        """Refuse settings that do not fit the task or data (raise ``TunewiseError``); runs before any model
        is loaded, so a mistake costs nothing."""

    def folds(self, config: Any) -> int | None:
        """k for k-fold cross-validation on the training split, or None (the runner measures it)."""

    def fit(self, base: Backend, task: Task, splits: Splits, config: Any, ctx: FitContext) -> Adapted:
        """Adapt ``base`` to ``task`` using the training (and, for early stopping, validation) split."""

    def load(self, base: Backend, task: Task, directory: Path) -> Adapted:
        """The ``Adapted`` that ``fit`` returned, read back from the artifact it saved in ``directory``."""

    def resources(self, config: Any) -> Resources:
        """What running it needs (a GPU, memory in copies of the base's weights): a distributed executor
        places it on a worker that has them."""

    def summary(self, details: dict) -> list[Section]:
        """What ``show`` prints about this method's own details (search traces, teachers...), beyond the
        prompt, metrics and costs every run has."""


METHODS: Registry[Method] = Registry("method")


def register(name: str) -> Callable[[type], type]:
    """Class decorator: ``@register("name")`` on a method class registers one instance under that name."""

    def decorate(cls: type) -> type:
        METHODS.register(name, cls())
        return cls

    return decorate
