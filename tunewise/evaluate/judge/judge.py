"""An LLM judge over any Backend: pointwise scores on a rubric's 1..N scale, and pairwise preferences asked in
both orders.

A verdict is read, where the backend can, by scoring each option (the scale's numbers, or A / B / tie) as the
continuation of the judge's prompt, the way labels are scored: no parsing, the same answer every time, and on a
pointwise scale the expected score sum(p_k * k), which uses the judge's uncertainty instead of its single
likeliest digit (small models put real mass on neighbouring scores). An API model whose server does not echo
logprobs would only read its own reply back, so the judge then generates its verdict and parses it, keeping the
reply. Every verdict keeps the exact prompt the judge read and its raw verdict (the options' log-likelihoods,
or the reply).

Pairwise, a judge is asked twice, the answers swapped: LLM judges prefer an answer for its position (usually
the first). A verdict counts only when both orders give it; otherwise the pair is a tie.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from tunewise.core.backend import Backend
from tunewise.evaluate.judge.prompts import PAIR_OPTIONS, pairwise_text, pointwise_text
from tunewise.evaluate.judge.rubrics import Rubric, rubric_of
from tunewise.models.api.text import parse_label

VERDICT_TOKENS = 16  # a generated verdict: a number or a letter, perhaps with a few words around it
VERDICT_STOP = ("\n\n",)
SWAPPED = {"A": "B", "B": "A", "tie": "tie"}  # a verdict on the swapped order, in the caller's terms
NUMBER = re.compile(r"(?<![\d.])\d+(?![\d.])")


@dataclass
class PointVerdict:
    prompt: str  # exactly what the judge read
    raw: str | dict[str, float]  # each score's log-likelihood, or the judge's reply
    score: float | None  # in [1, scale]; None when a reply named no score

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class OrderVerdict:
    first_shown: str  # "A" or "B": which of the caller's answers the judge saw as "Answer A"
    prompt: str
    raw: str | dict[str, float]
    choice: str | None  # A | B | tie in the caller's terms; None when a reply named none

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PairVerdict:
    verdict: str  # A | B | tie: A is the caller's first answer
    orders: list[OrderVerdict] = field(default_factory=list)  # A shown first, then B; none for identical answers

    @classmethod
    def agreed(cls, orders: list[OrderVerdict]) -> PairVerdict:
        """The verdict both orders gave, else a tie."""
        verdict = cls("tie", orders)
        if verdict.consistent:
            verdict.verdict = orders[0].choice
        return verdict

    @property
    def consistent(self) -> bool | None:
        """Whether both orders gave the same verdict; None when the judge was not asked (identical answers)."""
        if not self.orders:
            return None
        first, swapped = self.orders
        return first.choice is not None and first.choice == swapped.choice

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "orders": [order.as_dict() for order in self.orders]}


def verdict_mode(backend: Backend) -> str:
    """'logprobs' when ``backend.score`` reads log-likelihoods (every local model; an API model whose server
    echoes logprobs, which it probes once), else 'generate'."""
    probe = getattr(backend, "label_scoring", None)  # only API models say; a local model always scores text
    return probe() if callable(probe) else "logprobs"


class Judge:
    def __init__(self, backend: Backend, rubric: Rubric | str, scale: int = 5, mode: str = "auto"):
        if not 2 <= scale <= 10:
            raise ValueError(f"a judge's scale runs from 1 to 2..10, got {scale}")
        if mode not in ("auto", "logprobs", "generate"):
            raise ValueError(f"mode must be auto, logprobs or generate, got {mode!r}")
        self.backend, self.scale = backend, scale
        self.rubric = rubric if isinstance(rubric, Rubric) else rubric_of(rubric)
        self._mode = None if mode == "auto" else mode

    @property
    def mode(self) -> str:
        if self._mode is None:
            self._mode = verdict_mode(self.backend)
        return self._mode

    @property
    def options(self) -> list[str]:
        return [str(k) for k in range(1, self.scale + 1)]

    def describe(self) -> dict:
        return {"model": self.backend.name, "rubric": self.rubric.name, "scale": self.scale, "mode": self.mode}

    # -- pointwise -------------------------------------------------------------------------------------------
    def pointwise(
        self,
        questions: Sequence[str],
        answers: Sequence[str],
        references: Sequence[str | None] | None = None,
        desc: str = "",
    ) -> list[PointVerdict]:
        """A score in [1, scale] for each answer to its question (against its reference, if the rubric uses it)."""
        references = references or [None] * len(questions)
        texts = [
            pointwise_text(self.rubric, self.scale, q, a, r)
            for q, a, r in zip(questions, answers, references, strict=True)
        ]
        prompts = [self._render(text) for text in texts]
        if self.mode == "logprobs":
            rows = self.backend.score(prompts, self.options, desc=desc) if prompts else []
            raws, scores = [_rounded(self.options, row) for row in rows], [expected_score(row) for row in rows]
        else:
            raws = self.backend.generate(prompts, VERDICT_TOKENS, VERDICT_STOP, desc=desc) if prompts else []
            scores = [parse_score(reply, self.scale) for reply in raws]
        return [PointVerdict(*parts) for parts in zip(prompts, raws, scores, strict=True)]

    # -- pairwise --------------------------------------------------------------------------------------------
    def pairwise(
        self,
        questions: Sequence[str],
        first: Sequence[str],
        second: Sequence[str],
        references: Sequence[str | None] | None = None,
        desc: str = "",
    ) -> list[PairVerdict]:
        """A, B or tie for each pair, asked with A shown first and again with B shown first. Identical answers
        are a tie without asking (any verdict but tie would be position bias)."""
        references = references or [None] * len(questions)
        asked = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a.strip() != b.strip()]
        prompts = []
        for i in asked:
            q, a, b, r = questions[i], first[i], second[i], references[i]
            prompts += [
                self._render(pairwise_text(self.rubric, q, a, b, r)),
                self._render(pairwise_text(self.rubric, q, b, a, r)),
            ]
        raws, choices = self._choose(prompts, desc)
        verdicts = [PairVerdict("tie") for _ in questions]
        for n, i in enumerate(asked):
            orders = [
                OrderVerdict(shown, prompts[2 * n + k], raws[2 * n + k], _unswapped(choices[2 * n + k], shown))
                for k, shown in enumerate("AB")
            ]
            verdicts[i] = PairVerdict.agreed(orders)
        return verdicts

    def _choose(self, prompts: list[str], desc: str) -> tuple[list, list[str | None]]:
        """Each prompt's raw verdict and the option it gives, in the terms of the answers as shown."""
        if not prompts:
            return [], []
        if self.mode == "logprobs":
            rows = self.backend.score(prompts, PAIR_OPTIONS, desc=desc)
            return [_rounded(PAIR_OPTIONS, row) for row in rows], [PAIR_OPTIONS[int(np.argmax(row))] for row in rows]
        replies = self.backend.generate(prompts, VERDICT_TOKENS, VERDICT_STOP, desc=desc)
        found = [parse_label(reply, PAIR_OPTIONS) for reply in replies]
        return replies, [PAIR_OPTIONS[i] if i is not None else None for i in found]

    def _render(self, text: str) -> str:
        return self.backend.render([{"role": "user", "content": text}])


def expected_score(log_likelihoods: Sequence[float]) -> float:
    """sum(p_k * k) over the scale 1..N, p the softmax of each score's log-likelihood."""
    values = np.asarray(log_likelihoods, dtype=float)
    p = np.exp(values - values.max())
    p /= p.sum()
    return float(np.dot(p, np.arange(1, len(values) + 1)))


def parse_score(reply: str, scale: int) -> float | None:
    """The first whole number in ``reply`` that is on the scale ("4", "Score: 4/5" -> 4), or None."""
    for found in NUMBER.findall(reply):
        if 1 <= int(found) <= scale:
            return float(found)
    return None


def _unswapped(choice: str | None, first_shown: str) -> str | None:
    """A verdict on the answers as shown, in the caller's terms (with B shown first, "A" means B)."""
    return SWAPPED[choice] if choice is not None and first_shown == "B" else choice


def position_consistency(verdicts: Sequence[PairVerdict]) -> float | None:
    """Share of the pairs asked whose two orders gave the same verdict (None when none was asked)."""
    asked = [v.consistent for v in verdicts if v.consistent is not None]
    return sum(asked) / len(asked) if asked else None


def _rounded(options: Sequence[str], row) -> dict[str, float]:
    return {option: round(float(value), 4) for option, value in zip(options, row, strict=True)}
