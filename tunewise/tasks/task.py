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
from tunewise.tasks.config import MAX_LABEL_CHARS, TaskConfig, template_of

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

    @classmethod
    def from_config(cls, config: TaskConfig) -> Task:
        template = template_of(config.input)
        metric = config.metric or ("accuracy" if config.type == "classification" else "exact_match")
        return cls(
            type=config.type,
            template=template,
            target_field=config.target,
            labels=list(config.labels) if config.labels else None,
            metric=metric,
            instruction=config.instruction,
            system=config.system,
            max_new_tokens=config.max_new_tokens,
            stop=tuple(config.stop),
            metrics=tuple(config.metrics),
        )

    @property
    def reported_metrics(self) -> tuple[str, ...]:
        """The metrics it names (the primary one first); the defaults of its type are reported too."""
        return (self.metric, *self.metrics)

    @property
    def is_classification(self) -> bool:
        return self.type == "classification"

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
        return Item(self.render_input(example), target, _origin(example), group)

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
        if len(_text(value)) > MAX_FIELD_CHARS:
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
