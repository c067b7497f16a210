"""The prompt settings every method accepts, and the program a method starts from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.adapted import Adapted, read_description
from tunewise.core.backend import Backend
from tunewise.core.errors import TunewiseError
from tunewise.core.prompt import PromptProgram
from tunewise.tasks.config import MAX_LABEL_CHARS
from tunewise.tasks.task import Task

PLACEHOLDER = re.compile(r"\{(\w*)\}")  # {name}; braces around anything else (JSON: {"label": ...}) are text


@dataclass
class PromptSettings:
    """Prompt fields every method accepts; each overrides the task's value when given."""

    instruction: str | None = field(default=None, metadata={"help": "instruction text (default: task.instruction)"})
    system: str | None = field(default=None, metadata={"help": "system prompt (default: task.system)"})
    role: str | None = field(
        default=None, metadata={"help": "who the model should be, e.g. 'an experienced film critic' (system prompt)"}
    )
    verbalizer: dict[str, str] | None = field(
        default=None, metadata={"help": "label -> word the model sees and answers, e.g. {fresh: positive}"}
    )
    output_format: str | None = field(
        default=None,
        metadata={"help": "hint after the instruction; '{choices}' lists the answer words, e.g. 'Answer: {choices}.'"},
    )

    def __post_init__(self):
        if self.verbalizer is not None:
            words = list(self.verbalizer.values())
            if len(set(words)) != len(words) or not all(w.strip() for w in words):
                raise ValueError(f"verbalizer words must be distinct and non-empty, got {self.verbalizer}")
            if any(len(word) > MAX_LABEL_CHARS for word in words):
                raise ValueError(f"verbalizer words are answers of at most {MAX_LABEL_CHARS} characters")
        unknown = [name for name in PLACEHOLDER.findall(self.output_format or "") if name != "choices"]
        if unknown:
            raise ValueError(
                f"output_format has {{{unknown[0]}}}, which is not a placeholder (it would reach the model as "
                "written); the only placeholder is {choices}, the answer words"
            )


def base_program(settings: PromptSettings, task: Task) -> PromptProgram:
    """The program a method starts from: the task's instruction and system prompt unless overridden, the role,
    the label words and the output-format hint."""
    instruction = settings.instruction if settings.instruction is not None else task.instruction
    system = settings.system if settings.system is not None else task.system
    if settings.role:
        system = " ".join(part for part in (system, f"You are {settings.role.rstrip('.')}.") if part)
    verbalizer = dict(settings.verbalizer or {})
    hint = settings.output_format or ""
    if "{choices}" in hint:
        choices = [verbalizer.get(label, label) for label in task.labels or []]
        hint = hint.replace("{choices}", " or ".join(f'"{c}"' for c in choices))
    return PromptProgram(instruction=instruction, system=system, verbalizer=verbalizer, output_format=hint)


def check_verbalizer(settings: PromptSettings, task: Task) -> str | None:
    """A problem with the label words for this task, or None (checked before any model is loaded)."""
    if not settings.verbalizer:
        return None
    if not task.is_classification:
        return "verbalizer is for classification tasks; remove it"
    unknown = sorted(set(settings.verbalizer) - set(task.labels or []))
    if unknown:
        return f"verbalizer names unknown labels {unknown}; labels are {task.labels}"
    return None


def check_prompt(settings: PromptSettings, task: Task) -> None:
    """Every method's prompt settings, checked against the task before any model is loaded."""
    problem = check_verbalizer(settings, task)
    if problem:
        raise TunewiseError(problem)


def load_prompt(method: str, base: Backend, directory: Path) -> Adapted:
    """A prompt method's artifact read back: its program over the base model, nothing learned."""
    description = read_description(directory)
    program = PromptProgram.from_dict(description["prompt"])
    details = {k: v for k, v in description.items() if k not in ("method", "prompt", "trainable_params")}
    return Adapted(method=method, backend=base, program=program, details=details)
