"""Prompt programs: role, instruction, output-format hint, label words and demonstrations, rendered as chat
messages. Every method has one (trained methods too), so every method is measured and served the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Demo = tuple[str, str]  # (input, label or answer) shown before the request


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


@dataclass
class PromptProgram:
    instruction: str = ""
    system: str | None = None
    demos: list[Demo] = field(default_factory=list)  # fixed demonstrations, the same for every request
    verbalizer: dict[str, str] = field(default_factory=dict)  # label -> answer word (identity when absent)
    output_format: str = ""  # rendered hint, appended to the instruction
    separator: str = "\n\n"  # between the instruction and the input
    instruction_last: bool = False  # the input first, then the instruction (a prompt-stability variant)
    reasoning: bool = False  # the model reasons first; the answer is read after its last "Answer:"
    max_new_tokens: int | None = None  # generation budget (default: the task's)
    # Per-request demonstrations (e.g. the nearest training examples); replaces ``demos`` when set.
    select_demos: Callable[[str], list[Demo]] | None = field(default=None, repr=False, compare=False)

    def answer_for(self, label: str) -> str:
        return self.verbalizer.get(label, label)

    def label_for(self, answer: str) -> str:
        inverse = {word: label for label, word in self.verbalizer.items()}
        return inverse.get(answer, answer)

    def demos_for(self, input_text: str) -> list[Demo]:
        return self.select_demos(input_text) if self.select_demos else self.demos

    def messages(self, input_text: str) -> list[dict[str, str]]:
        """The instruction (and format hint) opens the first user turn; demonstrations are earlier turns."""
        turns = [*self.demos_for(input_text), (input_text, None)]
        messages = [{"role": "system", "content": self.system}] if self.system else []
        lead = " ".join(part for part in (self.instruction, self.output_format) if part)
        for i, (text, answer) in enumerate(turns):
            content = text
            if i == 0 and lead:
                content = f"{text}{self.separator}{lead}" if self.instruction_last else f"{lead}{self.separator}{text}"
            messages.append({"role": "user", "content": content})
            if answer is not None:
                messages.append({"role": "assistant", "content": self.answer_for(answer)})
        return messages

    def to_dict(self) -> dict:
        return {
            "instruction": self.instruction,
            "system": self.system,
            "output_format": self.output_format,
            "verbalizer": self.verbalizer,
            "demos": [list(d) for d in self.demos],
            "demos_per_request": self.select_demos is not None,
            "reasoning": self.reasoning,
        }


def base_program(settings: PromptSettings, task) -> PromptProgram:
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


def check_verbalizer(settings: PromptSettings, task) -> str | None:
    """A problem with the label words for this task, or None (checked before any model is loaded)."""
    if not settings.verbalizer:
        return None
    if not task.is_classification:
        return "verbalizer is for classification tasks; remove it"
    unknown = sorted(set(settings.verbalizer) - set(task.labels or []))
    if unknown:
        return f"verbalizer names unknown labels {unknown}; labels are {task.labels}"
    return None
