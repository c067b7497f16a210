"""Prompt programs: role, instruction, output-format hint, label words and demonstrations, rendered as chat
messages. Every method has one (trained methods too), so every method is measured and served the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Demo = tuple[str, str]  # (input, label or answer) shown before the request


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
    demos_first_matter: bool = False  # the first demonstrations matter most (the nearest first): drop from the end
    # Label scoring's correction (chosen by ``methods/calibration.py``, applied by ``core/label_scores.py``): each
    # label's log-likelihood divided by its answer's token count when ``score_per_token``, plus
    # ``score_bias[label]``. Off by default, so a program stored before these fields scores as it did.
    score_per_token: bool = False
    score_bias: dict[str, float] = field(default_factory=dict)
    # Per-request demonstrations (e.g. the nearest training examples); replaces ``demos`` when set.
    select_demos: Callable[[str], list[Demo]] | None = field(default=None, repr=False, compare=False)

    def answer_for(self, label: str) -> str:
        return self.verbalizer.get(label, label)

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
            "separator": self.separator,
            "instruction_last": self.instruction_last,
            "max_new_tokens": self.max_new_tokens,
            "demos_first_matter": self.demos_first_matter,
            "score_per_token": self.score_per_token,
            "score_bias": self.score_bias,
        }

    @classmethod
    def from_dict(cls, data: dict) -> PromptProgram:
        """The program ``to_dict`` wrote (per-request demonstrations are rebuilt by their method)."""
        fields = ("instruction", "system", "output_format", "verbalizer", "reasoning", "separator")
        program = cls(**{name: data[name] for name in fields if name in data})
        program.demos = [tuple(demo) for demo in data.get("demos", [])]
        program.instruction_last = data.get("instruction_last", False)
        program.max_new_tokens = data.get("max_new_tokens")
        program.demos_first_matter = data.get("demos_first_matter", False)
        program.score_per_token = data.get("score_per_token", False)
        program.score_bias = {label: float(bias) for label, bias in data.get("score_bias", {}).items()}
        return program
