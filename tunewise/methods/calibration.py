"""Calibrated label scoring, a setting of the prompt methods that score labels (``calibration:``).

Scoring each label word as the continuation of the prompt ranks labels by log-likelihood, which carries the
model's prior over the words themselves: a short or common word wins whatever the input, and on a many-label set
zero-shot can land below always answering the most frequent label. The corrections, each a few numbers stored
in the prompt program (``score_per_token``, ``score_bias``) and applied by ``core/label_scores.py`` wherever the
run answers (evaluation, the server):

- contextual: the labels are scored after content-free inputs ("N/A", "", "[MASK]") rendered through the same
  program; their probabilities, averaged, are the model's prior, whose log is subtracted (Zhao et al. 2021).
- length: each score divided by its answer's token count (long label words are no longer penalised).
- prior: the log of the training split's label frequencies added (the Bayes prior of the data; on an imbalanced
  set it pulls doubtful inputs towards the frequent labels, as always answering the majority does).
- auto: every combination of the three, each scored on the validation split; the best is kept (ties: the simpler).

Only the base model's ``Backend`` protocol is used (``score``, ``count_tokens``), so any backend is calibrated.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import Backend
from tunewise.core.errors import TunewiseError
from tunewise.core.items import Splits
from tunewise.core.label_scores import label_scores
from tunewise.core.prompt import PromptProgram
from tunewise.core.sections import Section
from tunewise.tasks.task import Task

SETTINGS = ("off", "contextual", "length", "prior", "auto")
CONTENT_FREE = ("N/A", "", "[MASK]")  # inputs that say nothing, so the scores after them are the model's prior


def calibration_problem(value: object) -> str | None:
    """What is wrong with a ``calibration:`` value, or None."""
    if value in SETTINGS:
        return None
    return f"{value!r} is not a calibration; choose one of: {', '.join(SETTINGS)}"


@dataclass
class CalibrationSettings:
    """Mixed into the configs of the prompt methods that score labels."""

    calibration: str = field(
        default="off",
        metadata={
            "help": "label scoring correction: off, contextual (content-free prior), length (per token), "
            "prior (train label frequencies) or auto (the best combination on validation)",
            "check": calibration_problem,
        },
    )

    def __post_init__(self):
        problem = calibration_problem(self.calibration)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class Correction:
    per_token: bool = False
    contextual: bool = False
    train_prior: bool = False

    @property
    def name(self) -> str:
        parts = {"length": self.per_token, "contextual": self.contextual, "prior": self.train_prior}
        return "+".join(name for name, on in parts.items() if on) or "off"


# What each setting tries, simplest first (a tie on validation keeps the simpler correction).
TRIED = {
    "off": [Correction()],
    "contextual": [Correction(contextual=True)],
    "length": [Correction(per_token=True)],
    "prior": [Correction(train_prior=True)],
    "auto": sorted(
        (Correction(*flags) for flags in itertools.product((False, True), repeat=3)),
        key=lambda c: (c.per_token + c.contextual + c.train_prior, c.name),
    ),
}


def check_calibration(settings: CalibrationSettings, task: Task, splits: Splits) -> None:
    """Refused before any model loads: a correction of label scores where no labels are scored, or a choice on
    an empty validation split."""
    if settings.calibration == "off":
        return
    if not task.is_classification:
        raise TunewiseError("calibration corrects label scores, for classification tasks; remove it")
    if settings.calibration == "auto" and not splits.validation:
        raise TunewiseError("calibration: auto chooses on the validation split, which is empty; give one")


def calibrate(adapted: Adapted, task: Task, splits: Splits, settings: CalibrationSettings, ctx: FitContext) -> Adapted:
    """``adapted`` with the label-score correction its setting asks for (``off``: unchanged), and what was chosen,
    each tried correction's validation score and the priors in its details (``calibration``)."""
    tried = TRIED[settings.calibration]
    if tried == [Correction()]:
        return adapted
    priors = _Priors(adapted, task, splits)
    validation = {}
    if len(tried) > 1:  # chosen on validation; the candidates differ only in arithmetic on the same scores
        remembered = RememberedScores(adapted.backend)
        for correction in tried:
            candidate = dataclasses.replace(adapted, backend=remembered, program=priors.program(correction))
            validation[correction.name] = ctx.evaluate(
                candidate, ctx.validation, desc="choosing calibration", intervals=False
            ).score
    chosen = max(tried, key=lambda c: validation.get(c.name, 0.0))  # max keeps the first (simplest) of a tie
    adapted.program = priors.program(chosen)
    adapted.details["calibration"] = {
        "setting": settings.calibration,
        "chosen": chosen.name,
        "validation": validation,
        "content_free": list(CONTENT_FREE),
        "content_free_prior": priors.content_free(chosen.per_token) if chosen.contextual else None,
        "train_prior": priors.train,
        "per_token": adapted.program.score_per_token,
        "bias": adapted.program.score_bias,
    }
    return adapted


class _Priors:
    """The label priors a correction is built from: the model's after content-free inputs (per scoring, raw or
    per token; measured once each) and the training split's label frequencies."""

    def __init__(self, adapted: Adapted, task: Task, splits: Splits):
        self.adapted, self.labels = adapted, list(task.labels)
        counts = Counter(item.target for item in splits.train)
        total = sum(counts.values()) + len(self.labels)  # add-one: a label train lacks keeps a finite log
        self.train = {label: (counts[label] + 1) / total for label in self.labels}
        self._content_free: dict[bool, dict[str, float]] = {}

    def content_free(self, per_token: bool) -> dict[str, float]:
        """Mean probability of each label over the content-free inputs, rendered through the same program."""
        if per_token not in self._content_free:
            base = self.adapted
            program = dataclasses.replace(base.program, score_per_token=per_token, score_bias={})
            reserve = max(base.backend.count_tokens(program.answer_for(label)) for label in self.labels) + 1
            prompts = [base.prompt(text, reserve) for text in CONTENT_FREE]
            scores = label_scores(base.backend, program, self.labels, prompts)
            probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            mean = probabilities.mean(axis=0)
            self._content_free[per_token] = {label: float(p) for label, p in zip(self.labels, mean, strict=True)}
        return self._content_free[per_token]

    def program(self, correction: Correction) -> PromptProgram:
        """The fitted program with ``correction`` as its label-score correction."""
        bias = dict.fromkeys(self.labels, 0.0)
        if correction.contextual:
            prior = self.content_free(correction.per_token)
            bias = {label: bias[label] - math.log(max(prior[label], 1e-12)) for label in self.labels}
        if correction.train_prior:
            bias = {label: bias[label] + math.log(self.train[label]) for label in self.labels}
        used = correction.contextual or correction.train_prior
        return dataclasses.replace(
            self.adapted.program, score_per_token=correction.per_token, score_bias=bias if used else {}
        )


class RememberedScores:
    """A backend whose label scores are remembered, while the corrections are compared on validation: each
    candidate is evaluated through the one evaluation path, but the model reads the validation prompts once.
    Everything else is the wrapped backend's."""

    def __init__(self, backend: Backend):
        self._backend, self._scores = backend, {}

    def score(self, prompts, candidates, desc: str = "") -> np.ndarray:
        key = (tuple(prompts), tuple(candidates))
        if key not in self._scores:
            self._scores[key] = self._backend.score(prompts, candidates, desc=desc)
        return self._scores[key]

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


def calibration_sections(details: dict) -> list[Section]:
    """What `tunewise show` prints: the correction chosen, each tried one's validation score, the priors."""
    found = details.get("calibration")
    if not found:
        return []
    validation = found.get("validation") or {}
    title = f"calibration ({found['setting']}): {found['chosen']}"
    if validation:
        title += f", validation {validation.get('off', 0.0):.3f} uncorrected -> {validation[found['chosen']]:.3f}"
    names = list(validation) or [found["chosen"]]
    rows = [[name, f"{validation[name]:.3f}" if name in validation else "-"] for name in names]
    sections = [Section(title, ["correction", "validation"], rows, highlight=names.index(found["chosen"]))]
    priors = found.get("content_free_prior") or {}
    train = found.get("train_prior") or {}
    labels = list(train or priors)
    sections.append(
        Section(
            "label priors (content-free: the model's after 'N/A', '', '[MASK]'; train: label frequencies)",
            ["label", "content-free", "train", "bias"],
            [
                [
                    label,
                    f"{priors[label]:.3f}" if label in priors else "-",
                    f"{train[label]:.3f}" if label in train else "-",
                    f"{found['bias'][label]:+.2f}" if label in found.get("bias", {}) else "-",
                ]
                for label in labels
            ],
        )
    )
    return sections
