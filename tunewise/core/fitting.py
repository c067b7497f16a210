"""Prompts that fit the model's context without losing what matters.

A prompt longer than ``max_length`` used to be cut from the left, which removes the system prompt, the
instruction and the first demonstrations: the parts that tell the model what to do. Here a prompt that does not
fit loses, in this order, (1) demonstrations, earliest first, then (2) the middle of the input text, keeping its
head and its last few tokens (where a template's cue such as "Sentiment:" sits). The instruction, the chat
template and the answer cue are never cut. What was cut is counted, so evaluation can report it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tunewise.core.backend import Backend
from tunewise.core.prompt import PromptProgram

ELLIPSIS = " … "
KEEP_TAIL = 80  # characters kept from the end of a shortened input


@dataclass
class Cut:
    """What one prompt lost to fit: demonstrations dropped, characters of the input text removed."""

    demos_dropped: int = 0
    input_chars_cut: int = 0
    overflow: bool = False  # even with no demonstration and no input the prompt is too long (the backend cuts it)

    def __bool__(self) -> bool:
        return bool(self.demos_dropped or self.input_chars_cut or self.overflow)


def fit_prompt(backend: Backend, program: PromptProgram, input_text: str, reserve: int) -> tuple[str, Cut]:
    """The rendered prompt for ``input_text`` in at most ``backend.max_length - reserve`` tokens."""
    budget = backend.max_length - reserve
    demos = program.demos_for(input_text)
    prompt = _render(backend, program, demos, input_text)
    if backend.count_tokens(prompt) <= budget:
        return prompt, Cut()
    cut = Cut()
    while demos and backend.count_tokens(prompt) > budget:
        # The least important demonstration goes: the earliest, or the last when the first matter most.
        demos = demos[:-1] if program.demos_first_matter else demos[1:]
        cut.demos_dropped += 1
        prompt = _render(backend, program, demos, input_text)
    if backend.count_tokens(prompt) <= budget:
        return prompt, cut
    shortened, removed = _shorten(backend, program, demos, input_text, budget)
    cut.input_chars_cut = removed
    prompt = _render(backend, program, demos, shortened)
    cut.overflow = backend.count_tokens(prompt) > budget
    return prompt, cut


def _render(backend: Backend, program: PromptProgram, demos, input_text: str) -> str:
    fixed = dataclasses.replace(program, demos=list(demos), select_demos=None)
    return backend.render(fixed.messages(input_text))


def _shorten(backend, program, demos, input_text: str, budget: int) -> tuple[str, int]:
    """The longest head + tail of the input (in characters) whose prompt fits, found by bisection: token counts
    grow with the characters kept, and only ``count_tokens`` is needed, which every backend has. The tail is
    kept whole while anything of the head is; when even the tail alone does not fit, it shrinks too."""
    tail = min(KEEP_TAIL, len(input_text) // 4)

    def text(keep: int) -> str:
        head, end = max(keep - tail, 0), min(keep, tail)
        return (
            input_text[:head] + ELLIPSIS + input_text[len(input_text) - end :] if end else input_text[:head] + ELLIPSIS
        )

    def fits(keep: int) -> bool:
        return backend.count_tokens(_render(backend, program, demos, text(keep))) <= budget

    low, high = 0, len(input_text) - 1  # keeping everything is known not to fit; keeping nothing may not either
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return text(low), len(input_text) - low
