"""What a judge scores: the packaged rubrics (correctness against the reference answer, helpfulness, style match
against the reference's style) or the user's own words. Each is one short instruction with the meaning of the
scale's two ends, so the same rubric reads the same for pointwise scores and pairwise preferences."""

from __future__ import annotations

import re
from dataclasses import dataclass

CUSTOM = "custom"  # the name a rubric written out in the experiment file goes by (metric judge_custom)
NAME = re.compile(r"\w+")  # a single word is meant as a rubric's name; anything longer is the rubric itself


@dataclass(frozen=True)
class Rubric:
    name: str
    instruction: str  # what to judge, in one or two sentences
    worst: str  # what the lowest score means
    best: str  # what the highest score means
    uses_reference: bool = True  # the reference answer is shown to the judge

    @property
    def metric(self) -> str:
        return f"judge_{self.name}"


RUBRICS = {
    rubric.name: rubric
    for rubric in (
        Rubric(
            "correctness",
            "Judge correctness: does the answer say what the reference answer says? Facts, numbers and conclusions "
            "that contradict or leave out the reference's count against it; wording and length do not matter.",
            worst="wrong or unrelated",
            best="fully correct",
        ),
        Rubric(
            "helpfulness",
            "Judge helpfulness: does the answer address the question directly, clearly and completely, so that "
            "the person asking could act on it? The reference answer, when shown, is one example of a good answer.",
            worst="useless",
            best="as helpful as an answer can be",
        ),
        Rubric(
            "style_match",
            "Judge style only, not correctness: does the answer match the reference answer's style (its length, "
            "tone, format, structure and wording conventions)?",
            worst="a completely different style",
            best="indistinguishable in style",
        ),
    )
}


def rubric_of(text: str) -> Rubric:
    """A packaged rubric by name, or the user's own rubric text (shown with the reference answer). A single word
    that names no rubric is refused, not taken as a rubric: it is almost always a misspelt name."""
    text = text.strip()
    if text in RUBRICS:
        return RUBRICS[text]
    if not text or NAME.fullmatch(text):
        raise ValueError(
            f"unknown rubric {text!r}; choose one of {', '.join(RUBRICS)}, or write your own rubric as a sentence "
            "(e.g. 'Judge whether the answer is polite and cites the policy.')"
        )
    return Rubric(CUSTOM, text, worst="worst", best="best")
