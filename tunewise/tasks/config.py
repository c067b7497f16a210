"""The experiment's `task:` section: what to predict and how it is scored."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Literal

from tunewise.core.typed import Invalid
from tunewise.tasks.metrics import METRICS, installed_metric_names, load_installed_metric

PIECE_CHARS = 1200  # about 300 tokens: a piece and its prompt fit the packaged models' 512
MAX_LABEL_CHARS = 200  # a class name; a longer "label" is free text, and a classifier trains on every label's tokens


@dataclass
class TaskConfig:
    target: str = field(metadata={"help": "field holding the answer / label"})
    input: str = field(default="{text}", metadata={"help": "input field name, or a template like '{title}: {body}'"})
    type: Literal["classification", "generation", "style"] = field(
        default="classification",
        metadata={"help": "task type; style: write like the author of the pieces in the data (a generation task)"},
    )
    labels: list[str] | None = field(default=None, metadata={"help": "label set; inferred from train if omitted"})
    metric: str | None = field(
        default=None, metadata={"help": "primary metric; default accuracy / exact_match / style_score by type"}
    )
    metrics: list[str] = field(
        default_factory=list,
        metadata={"help": "more metrics to report, e.g. [chrf, rouge_l, set_f1] (the primary one decides)"},
    )
    instruction: str = field(default="", metadata={"help": "what the model is asked to do"})
    system: str | None = field(default=None, metadata={"help": "system prompt; the model's default if omitted"})
    max_new_tokens: int = field(default=32, metadata={"help": "generation: most tokens to generate"})
    stop: list[str] = field(default_factory=lambda: ["\n"], metadata={"help": "generation: stop sequences"})
    piece_chars: int = field(
        default=PIECE_CHARS,
        metadata={"help": "style: each piece (target) is cut to at most this many characters, at a sentence end"},
    )

    def __post_init__(self):
        check_template(template_of(self.input))
        if self.labels is not None:
            self.labels = _checked_labels(self.labels)
        if self.type != "classification" and self.labels:
            raise Invalid("labels are for classification tasks; remove them or set type: classification")
        if self.piece_chars < 1:
            raise Invalid(f"piece_chars must be at least 1, got {self.piece_chars}")
        if self.max_new_tokens < 1:
            raise Invalid(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")
        if not all(self.stop):
            raise Invalid(f"stop sequences must be non-empty (an empty one stops at once), got {self.stop}")
        for name in (self.metric, *self.metrics):
            _check_metric(name, self.answer_type)

    @property
    def answer_type(self) -> str:
        """How answers are made and scored: a style task writes free text like a generation task."""
        return "generation" if self.type == "style" else self.type


def template_of(input: str) -> str:
    """task.input as a template: a bare field name is that field."""
    return input if "{" in input else "{" + input + "}"


def check_template(template: str) -> None:
    """Only ``{field}`` and literal ``{{``/``}}``: a format spec (``{text:>999999999}``) would build huge strings,
    and an unbalanced brace would fail on the first example. ``{a.b}`` names the field "a.b" (Task renders
    templates itself, so nothing reaches into Python objects)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise Invalid(
            f"input {template!r} is not a valid template ({exc}); write fields as {{name}} and a literal brace "
            "as {{ or }}"
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.strip() or name.isdigit():
            raise Invalid(f"input {template!r}: each {{}} needs a field name, e.g. {{text}}")
        if spec or conversion:
            shown = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            raise Invalid(
                f"input {template!r}: {shown} is not a plain field; fields are inserted as text, so write "
                f"{{{name}}} (a field whose name has ':' or '!' needs renaming in the data)"
            )


def _checked_labels(labels: list[str]) -> list[str]:
    labels = [label.strip() for label in labels]  # the data's labels are stripped too
    if not all(labels):
        raise Invalid(f"labels cannot be empty, got {labels}")
    long = [label for label in labels if len(label) > MAX_LABEL_CHARS]
    if long:
        raise Invalid(
            f"labels are class names of at most {MAX_LABEL_CHARS} characters; one has {len(long[0]):,} "
            "(for free-text answers set type: generation)"
        )
    if len(set(labels)) < 2:
        raise Invalid(f"labels needs at least two distinct labels, got {labels}")
    return labels


def _check_metric(metric: str | None, task_type: str) -> None:
    allowed = [n for n in METRICS.names() if task_type in METRICS.get(n).task_types]
    if metric is None or metric in allowed:
        return
    if metric not in METRICS and load_installed_metric(metric, task_type):
        return
    installed = installed_metric_names()
    extra = f", or an installed one: {', '.join(installed)}" if installed else ""
    raise Invalid(
        f"metric {metric!r} does not fit {task_type} tasks; choose one of {', '.join(allowed)}{extra} "
        "(custom metrics come from an installed package's 'tunewise.metrics' entry point)"
    )
