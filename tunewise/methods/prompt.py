"""Prompt programs: instruction, optional system prompt and demonstrations, rendered as chat messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class PromptSettings:
    """Prompt fields every method accepts; each overrides the task's value when given."""

    instruction: str | None = field(default=None, metadata={"help": "instruction text (default: task.instruction)"})
    system: str | None = field(default=None, metadata={"help": "system prompt (default: task.system)"})


@dataclass
class PromptProgram:
    instruction: str = ""
    system: str | None = None
    demos: list[tuple[str, str]] = field(default_factory=list)  # (input, answer) pairs shown before the input

    def messages(self, input_text: str) -> list[dict[str, str]]:
        """The instruction opens the first user turn; demonstrations are earlier user/assistant turns."""
        turns = [*self.demos, (input_text, None)]
        messages = [{"role": "system", "content": self.system}] if self.system else []
        for i, (text, answer) in enumerate(turns):
            content = f"{self.instruction}\n\n{text}" if i == 0 and self.instruction else text
            messages.append({"role": "user", "content": content})
            if answer is not None:
                messages.append({"role": "assistant", "content": answer})
        return messages

    def to_dict(self) -> dict:
        return asdict(self)


def base_program(settings: PromptSettings, task) -> PromptProgram:
    """The program a method starts from: the task's instruction and system prompt unless overridden."""
    instruction = settings.instruction if settings.instruction is not None else task.instruction
    system = settings.system if settings.system is not None else task.system
    return PromptProgram(instruction=instruction, system=system)
