"""The teacher: any model tunewise can load, prompted with the student's prompt plus a few gold examples."""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.errors import InputError
from tunewise.evaluate.evaluate import evaluate, predict
from tunewise.methods.base import Adapted
from tunewise.methods.few_shot.selection import balanced_demos, random_demos
from tunewise.methods.prompt import base_program
from tunewise.tasks.task import Item


@dataclass
class TeacherSettings:
    name: str | None = field(default=None, metadata={"help": "a packaged model (default: the experiment's model)"})
    path: str | None = field(default=None, metadata={"help": "a local Hugging Face model folder"})
    k: int = field(default=4, metadata={"help": "gold training examples shown in the teacher's prompt"})
    batch_size: int = field(default=8, metadata={"help": "examples per forward pass"})

    def __post_init__(self):
        if self.name and self.path:
            raise ValueError("give teacher.name or teacher.path, not both")
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
            from tunewise.models.packaged import MODELS

            MODELS.get(self.name)  # an unknown name is reported with the choices

    def backend(self, base, seed: int):
        if not self.name and not self.path:
            return base
        from tunewise.config import ModelConfig
        from tunewise.models import load_base

        return load_base(ModelConfig(name=self.name, path=self.path, batch_size=self.batch_size), seed)


def teacher_program(settings: TeacherSettings, config, task, train: list[Item], seed: int):
    program = base_program(config, task)
    if settings.k:
        pick = balanced_demos if task.is_classification else random_demos
        demos = pick(train, min(settings.k, len(train)), random.Random(seed))
        program = dataclasses.replace(program, demos=[(item.input, item.target) for item in demos])
    return program


def label(teacher: Adapted, task, inputs: list[Item], test: list[Item], seed: int) -> tuple[list[str], dict]:
    """The teacher's answer for every input, and a record of its quality (on the test split) and cost."""
    started = time.perf_counter()
    answers = [p.prediction for p in predict(teacher, task, inputs, desc="distill: teacher answers")]
    seconds = time.perf_counter() - started
    quality = evaluate(teacher, task, test, desc="distill: teacher on test", seed=seed)
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
    }
    return answers, record
