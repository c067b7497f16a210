"""The teacher: any model tunewise can load, prompted with the student's prompt plus a few gold examples."""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import Backend
from tunewise.core.errors import InputError
from tunewise.core.format import human_count
from tunewise.core.items import Item
from tunewise.core.sections import Section
from tunewise.core.typed import MODEL_REF
from tunewise.methods.few_shot.selection import balanced_demos, random_demos
from tunewise.methods.prompt import base_program
from tunewise.models.config import ModelConfig
from tunewise.models.load import load_base
from tunewise.models.packaged import MODELS


@dataclass
class TeacherSettings:
    name: str | None = field(default=None, metadata={"help": "a packaged model (default: the experiment's model)"})
    path: str | None = field(default=None, metadata={"help": "a local Hugging Face model folder"})
    model: str | None = field(
        default=None,
        metadata={"help": "a model named under the experiment's `models:` (e.g. an API model)", MODEL_REF: True},
    )
    k: int = field(default=4, metadata={"help": "gold training examples shown in the teacher's prompt"})
    batch_size: int = field(default=8, metadata={"help": "examples per forward pass"})

    def __post_init__(self):
        if sum(x is not None for x in (self.name, self.path, self.model)) > 1:
            raise ValueError("give one of teacher.name, teacher.path or teacher.model")
        if self.k < 0:
            raise ValueError(f"k must be 0 or more, got {self.k}")

    def check(self) -> None:
        if self.path and not (Path(self.path) / "config.json").is_file():
            raise InputError(
                "not a Hugging Face model folder (no config.json)",
                field="teacher.path",
                value=self.path,
                fix="point at a folder saved with save_pretrained, or use teacher.name",
            )
        if self.name:
            MODELS.get(self.name)  # an unknown name is reported with the choices

    def backend(self, base, ctx: FitContext) -> tuple[Backend, bool]:
        """The teacher, and whether this method loaded it itself (its work is then the method's to report)."""
        if self.model or (not self.name and not self.path):
            return ctx.model(self.model, base), False
        return load_base(ModelConfig(name=self.name, path=self.path, batch_size=self.batch_size), ctx.seed), True


def teacher_program(settings: TeacherSettings, config, task, train: list[Item], seed: int):
    program = base_program(config, task)
    if settings.k:
        pick = balanced_demos if task.is_classification else random_demos
        demos = pick(train, min(settings.k, len(train)), random.Random(seed))
        program = dataclasses.replace(program, demos=[(item.input, item.target) for item in demos])
    return program


def label(teacher: Adapted, task, inputs: list[Item], test: list[Item], ctx: FitContext) -> tuple[list[str], dict]:
    """The teacher's answer for every input, and a record of its quality (on the test split) and cost."""
    started = time.perf_counter()
    answers = [p.prediction for p in ctx.predict(teacher, inputs, desc="distill: teacher answers")]
    seconds = time.perf_counter() - started
    before = teacher.backend.work.copy()
    quality = ctx.evaluate(teacher, test, desc="distill: teacher on test")
    checked = teacher.backend.work.since(before)  # measuring the teacher is not part of building the student
    gold = [(answer, item.target) for answer, item in zip(answers, inputs, strict=True) if item.target]
    record = {
        "model": teacher.backend.name,
        "params": teacher.backend.parameter_count(),
        "demos": len(teacher.program.demos),
        "metric": task.metric,
        "test": {name: score.as_dict() for name, score in quality.metrics.items()},
        "agreement_with_gold": sum(a == t for a, t in gold) / len(gold) if gold else None,
        "answered": len(answers),
        "label_seconds": seconds,
        "seconds_per_example": quality.cost["seconds_per_example"],
        "prompt_tokens_per_request": quality.cost["prompt_tokens_per_request"],
        "test_check_work": checked.as_dict(),
    }
    return answers, record


def teacher_sections(teacher: dict | None) -> list[Section]:
    """A distilled run's teacher: how good it is, and what labelling the student's data cost."""
    if not teacher:
        return []
    primary = teacher["metric"]
    score = teacher["test"][primary]
    agreement = teacher.get("agreement_with_gold")
    agreed = f", agrees with the gold training labels on {agreement:.1%}" if agreement is not None else ""
    return [
        Section(
            f"teacher: {teacher['model']} ({_size(teacher['params'])}, {teacher['demos']} "
            f"demonstrations) scores {primary} {score['value']:.3f} [{score['low']:.3f}, {score['high']:.3f}] on "
            f"the test split{agreed}; it answered {teacher['answered']} inputs "
            f"({teacher.get('unlabeled_inputs', 0)} unlabeled) in {teacher['label_seconds']:.0f} s, "
            f"{teacher['seconds_per_example'] * 1000:.0f} ms/example batched"
        )
    ]


def _size(params: int) -> str:
    return f"{human_count(params)} params" if params else "behind an API"
