"""A task: how an example becomes model input, what the answer is, and how answers are scored."""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass, field

from tunewise.core.errors import InputError
from tunewise.core.items import Item
from tunewise.data.examples import Example
from tunewise.data.privacy import redact
from tunewise.data.quality import normalize_label
from tunewise.tasks.config import MAX_LABEL_CHARS, PIECE_CHARS, TaskConfig, template_of
from tunewise.tasks.metrics import METRICS, Metric, metrics_for
from tunewise.tasks.pieces import FIRST_SENTENCE_NOTE, cut_piece, split_first_sentence, topic_note
from tunewise.tasks.style_score import STYLE_METRICS

MAX_INFERRED_LABELS = 50
MAX_FIELD_CHARS = 100_000  # ~25k tokens: far past any context window this tool trains; almost surely a broken line


@dataclass
class Task:
    type: str
    template: str
    target_field: str
    labels: list[str] | None
    metric: str
    instruction: str = ""
    system: str | None = None
    max_new_tokens: int = 32
    stop: tuple[str, ...] = ("\n",)
    redact: bool = False  # personal data in inputs (and free-text answers) is replaced before any method sees it
    privacy: dict = field(default_factory=dict)  # what personal data the raw examples held (masked)
    slice_field: str | None = None  # data field kept on each item for the bias probe
    normalize_labels: bool = False  # data.normalize_labels: labels normalised (data/quality.normalize_label)
    metrics: tuple[str, ...] = ()  # more metrics to report besides the primary one and the defaults
    style: bool = False  # task.type style: a generation task whose answers are an author's pieces
    piece_chars: int = PIECE_CHARS  # style: each piece is cut to this many characters
    fitted: dict[str, Metric] = field(default_factory=dict)  # metrics learnt from the training answers

    @classmethod
    def from_config(cls, config: TaskConfig) -> Task:
        template = template_of(config.input)
        style = config.type == "style"
        default = {"classification": "accuracy", "generation": "exact_match", "style": "style_score"}[config.type]
        metrics = config.metrics or ([*STYLE_METRICS[1:], "chrf"] if style else [])
        return cls(
            type=config.answer_type,
            template=template,
            target_field=config.target,
            labels=list(config.labels) if config.labels else None,
            metric=config.metric or default,
            instruction=config.instruction,
            system=config.system,
            max_new_tokens=config.max_new_tokens,
            stop=tuple(config.stop),
            metrics=tuple(name for name in metrics if name != (config.metric or default)),
            style=style,
            piece_chars=config.piece_chars,
        )

    @property
    def reported_metrics(self) -> tuple[str, ...]:
        """The metrics it names (the primary one first); the defaults of its type are reported too."""
        return (self.metric, *self.metrics)

    @property
    def is_classification(self) -> bool:
        return self.type == "classification"

    @property
    def first_sentence_input(self) -> bool:
        """A style task whose input names only the piece itself (no topic field): its first sentence stands in."""
        return self.style and self.input_fields() == [self.target_field]

    def input_note(self) -> str | None:
        """For people: what a style task's inputs are made of (None for other tasks)."""
        if not self.style:
            return None
        return FIRST_SENTENCE_NOTE if self.first_sentence_input else topic_note(self.input_fields())

    def fit_metrics(self, train_targets: list[str]) -> None:
        """Fit every reported metric that learns from the training answers (never the test split's)."""
        for metric in metrics_for(self.type, self.reported_metrics):
            if metric.fit is not None:
                self.fitted[metric.name] = metric.fit(train_targets)

    def scoring_metrics(self) -> list[Metric]:
        """The metrics this task reports, each fitted one in place of the registry's unfitted one."""
        return [self.fitted.get(m.name, m) for m in metrics_for(self.type, self.reported_metrics)]

    def metric_named(self, name: str) -> Metric:
        return self.fitted.get(name) or METRICS.get(name)

    def input_fields(self) -> list[str]:
        return [name for _, name, _, _ in string.Formatter().parse(self.template) if name]

    def prepare(self, examples: list[Example]) -> list[Item]:
        """Render every example, raising on the first one with a missing/empty field or an unknown label."""
        items = [self._item(example) for example in examples]
        if self.is_classification:
            self._settle_labels(items, examples)
        return items

    def render_input(self, example: Example) -> str:
        """The example's input as the model sees it (raises on a missing or empty input field)."""
        for name in self.input_fields():
            self._check_field(example, name)
        parts = string.Formatter().parse(self.template)  # not str.format: "{a.b}" is a field, not an attribute
        text = "".join(literal + (_text(example.fields[name]) if name else "") for literal, name, _, _ in parts)
        return redact(text) if self.redact else text

    def redacted(self, item: Item) -> Item:
        """``item`` with its personal data replaced (the answer too, when it is free text)."""
        target = item.target if self.is_classification else redact(item.target)
        return Item(redact(item.input), target, item.origin, item.slice)

    def answer(self, example: Example) -> str:
        """The example's answer as items hold it (raises on a missing, empty or overlong one)."""
        self._check_field(example, self.target_field)
        target = _text(example.fields[self.target_field]).strip()
        if not self.is_classification:
            return target
        if self.normalize_labels:
            key = normalize_label(target)
            target = _declared(tuple(self.labels or ())).get(key, key)
        where = {"file": example.source, "line": example.line, "field": self.target_field}
        if not target:
            raise InputError("is empty once invisible characters are removed", **where, fix="fill it in")
        if len(target) > MAX_LABEL_CHARS:
            raise InputError(
                f"a label of {len(target):,} characters; labels are class names of at most {MAX_LABEL_CHARS}",
                **where,
                value=target[:40],
                fix="check task.target names the label field, or set task.type: generation for free-text answers",
            )
        return target

    def infer_labels(self, found: set[str], source: str) -> None:
        """Settle the label set from the labels the data holds (task.labels omitted)."""
        self.labels = sorted(found)
        if len(self.labels) < 2 or len(self.labels) > MAX_INFERRED_LABELS:
            raise InputError(
                f"classification needs 2 to {MAX_INFERRED_LABELS} labels but the data has {len(self.labels)}",
                file=source,
                field=self.target_field,
                fix="declare task.labels, or set task.type: generation",
            )

    def _item(self, example: Example) -> Item:
        target = self.answer(example)
        group = _text(example.fields.get(self.slice_field, "")).strip() or None if self.slice_field else None
        if not self.style:
            return Item(self.render_input(example), target, _origin(example), group)
        if not self.first_sentence_input:
            return Item(self.render_input(example), cut_piece(target, self.piece_chars), _origin(example), group)
        first, rest = split_first_sentence(target)
        if not rest:
            raise InputError(
                "is one sentence on one line, so with its first sentence as the input nothing is left to write",
                file=example.source,
                line=example.line,
                field=self.target_field,
                value=first[:40],
                fix="give the pieces a topic field (task.input) or remove the one-sentence pieces",
            )
        return Item(redact(first) if self.redact else first, cut_piece(rest, self.piece_chars), _origin(example), group)

    def _check_field(self, example: Example, name: str) -> None:
        where = {"file": example.source, "line": example.line, "field": name}
        if name not in example.fields:
            fields = ", ".join(map(str, example.fields)) or "none"
            raise InputError(f"missing (this example has: {fields})", **where, fix="add it or fix task.input/target")
        value = example.fields[name]
        if value is None or not _text(value).strip():
            raise InputError("is empty", **where, value=value, fix="fill it in or remove the example")
        if isinstance(value, dict | list):
            raise InputError("must be text or a number", **where, value=value, fix="flatten it to a string")
        if len(_text(value)) > MAX_FIELD_CHARS and not (self.style and name == self.target_field):  # style: cut
            raise InputError(
                f"is {len(_text(value)):,} characters long; the limit is {MAX_FIELD_CHARS:,}",
                **where,
                value=_text(value)[:40],
                fix="shorten it, split the example, or check the file for a missing line break",
            )

    def _settle_labels(self, items: list[Item], examples: list[Example]) -> None:
        if self.labels is None:
            self.infer_labels({item.target for item in items}, examples[0].source if examples else "the data")
            return
        for item, example in zip(items, examples, strict=True):
            self.check_label(example, item.target)

    def check_label(self, example: Example, target: str) -> None:
        """Raise when ``target`` is not one of the declared labels (nothing to check while they are inferred)."""
        if self.labels is not None and target not in self.labels:
            raise InputError(
                "unknown label",
                file=example.source,
                line=example.line,
                field=self.target_field,
                value=target,
                fix=f"use one of {', '.join(self.labels)} or add it to task.labels",
            )


@functools.lru_cache(maxsize=64)
def _declared(labels: tuple[str, ...]) -> dict[str, str]:
    """Normalised label -> the spelling task.labels declares (normalize_labels maps data labels onto it)."""
    return {normalize_label(label): label for label in labels}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _origin(example: Example) -> str:
    return f"{example.source}:{example.line}"
