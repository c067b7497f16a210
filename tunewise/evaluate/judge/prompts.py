"""The judge's prompts, one user turn each: the material first (question, reference, answers) and the rubric with
the reply format last. A prompt too long for the judge's context loses its start (models keep the end), so the
instruction the verdict depends on is never the part that is cut.

The stored template is built by the same function as every prompt, with placeholders for the texts, so what is
shown as the template is exactly what the judge read around each example."""

from __future__ import annotations

from tunewise.evaluate.judge.rubrics import Rubric

MAX_TEXT_CHARS = 4000  # per question, reference or answer: a runaway generation must not crowd out the rest
PAIR_OPTIONS = ("A", "B", "tie")  # what a pairwise verdict may be, in the order they are scored


def clipped(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS] + " [...]"


def _material(question: str, reference: str | None, answers: list[tuple[str, str]], rubric: Rubric) -> str:
    parts = [f"Question:\n{clipped(question)}"]
    if rubric.uses_reference and reference:
        parts.append(f"Reference answer:\n{clipped(reference)}")
    parts += [f"{title}:\n{clipped(answer)}" for title, answer in answers]
    return "\n\n".join(parts)


def pointwise_text(rubric: Rubric, scale: int, question: str, answer: str, reference: str | None) -> str:
    ask = (
        f"{rubric.instruction}\nScore the answer from 1 ({rubric.worst}) to {scale} ({rubric.best}). Reply with "
        f"the score only: one whole number from 1 to {scale}."
    )
    return f"{_material(question, reference, [('Answer to score', answer)], rubric)}\n\n{ask}"


def pairwise_text(rubric: Rubric, question: str, first: str, second: str, reference: str | None) -> str:
    ask = (
        f"{rubric.instruction}\nWhich answer is better by this measure? Reply with A, B or tie only (tie: "
        "equally good or equally bad)."
    )
    return f"{_material(question, reference, [('Answer A', first), ('Answer B', second)], rubric)}\n\n{ask}"


def pointwise_template(rubric: Rubric, scale: int) -> str:
    return pointwise_text(rubric, scale, "{input}", "{output}", "{reference}")


def pairwise_template(rubric: Rubric) -> str:
    return pairwise_text(rubric, "{input}", "{first}", "{second}", "{reference}")
