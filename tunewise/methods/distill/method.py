from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import Work, other_work
from tunewise.core.errors import TunewiseError
from tunewise.core.items import Item
from tunewise.core.resources import Resources
from tunewise.core.sections import Section
from tunewise.core.typed import FILE_REF
from tunewise.data.examples import load_examples
from tunewise.methods.base import register
from tunewise.methods.distill.teacher import TeacherSettings, label, teacher_program, teacher_sections
from tunewise.methods.lora import LoraSettings, adapter_resources, load_lora, train_lora
from tunewise.methods.lora.quantized import check_quantization
from tunewise.methods.weights import check_training, training_folds


@dataclass
class DistillSettings(LoraSettings):
    teacher: TeacherSettings = field(default_factory=TeacherSettings, metadata={"help": "the model that answers"})
    unlabeled: str | None = field(
        default=None,
        metadata={
            "help": "a .jsonl/.csv of extra inputs (the task's input fields) the teacher answers",
            FILE_REF: True,
        },
    )
    unlabeled_limit: int | None = field(default=None, metadata={"help": "use at most this many unlabeled inputs"})

    def __post_init__(self):
        LoraSettings.__post_init__(self)
        if self.unlabeled_limit is not None and self.unlabeled_limit < 1:
            raise ValueError(f"unlabeled_limit must be at least 1, got {self.unlabeled_limit}")


@register("distill")
class Distill:
    config_class = DistillSettings
    trains_weights = True
    suggested = False
    about = (
        "A stronger 'teacher' model answers your inputs (and any unlabelled ones), then the base model is trained on "
        "those answers; costs the teacher's calls plus the training."
    )

    def resources(self, config) -> Resources:
        return adapter_resources(config)

    def check(self, config: DistillSettings, task, splits) -> None:
        """The teacher and the unlabeled file are checked before any model loads."""
        check_training(config, task, splits)
        config.teacher.check()
        check_quantization(config.quantization, config.launcher)
        unlabeled_inputs(config, task)

    def folds(self, config: DistillSettings) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: DistillSettings, ctx: FitContext) -> Adapted:
        teacher_backend, loaded_here = config.teacher.backend(base, ctx)
        program = teacher_program(config.teacher, config, task, splits.train, ctx.seed)
        teacher = Adapted(method="teacher", backend=teacher_backend, program=program)
        inputs = list(splits.train) + unlabeled_inputs(config, task)
        answers, record = label(teacher, task, inputs, splits.test, ctx)
        taught = [Item(item.input, answer, item.origin) for item, answer in zip(inputs, answers, strict=True) if answer]
        if not taught:
            raise TunewiseError("distill: the teacher gave no usable answer; check its prompt or pick another teacher")
        record |= {"train_inputs": len(splits.train), "unlabeled_inputs": len(inputs) - len(splits.train)}
        check = record["test_check_work"]  # measuring the teacher is not part of building the student
        if teacher_backend is base:  # the base's own work: the runner subtracts it from the build
            measured = {"measurement_work": check}
        elif loaded_here:  # a teacher this method loaded reports its own work, less its test check
            measured = {"other_work": other_work(teacher_backend, base, Work(**check))}
        else:  # a model the experiment names: the runner counts its work, less the check
            measured = {"measurement_work_of": {teacher_backend.name: check}}
        details = {"teacher": record, **measured}
        student_splits = dataclasses.replace(splits, train=taught)
        return train_lora("distill", base, task, student_splits, config, ctx, details)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_lora("distill", base, directory)

    def summary(self, details: dict) -> list[Section]:
        return teacher_sections(details.get("teacher"))


def unlabeled_inputs(config: DistillSettings, task) -> list[Item]:
    """Inputs from the unlabeled file, rendered with the task's input template (no answers)."""
    if not config.unlabeled:
        return []
    examples = load_examples(Path(config.unlabeled))[: config.unlabeled_limit]
    return [Item(task.render_input(example), "", f"{example.source}:{example.line}") for example in examples]
