"""A task: how an example becomes model input, what the answer is, and how answers are scored."""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from tunewise.core.errors import InputError
from tunewise.core.items import Item
from tunewise.data.examples import Example
from tunewise.data.privacy import redact
from tunewise.tasks.config import TaskConfig

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

    @classmethod
    def from_config(cls, config: TaskConfig) -> Task:
        template = config.input if "{" in config.input else "{" + config.input + "}"
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
        )

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
        text = self.template.format(**{name: _text(example.fields[name]) for name in self.input_fields()})
        return redact(text) if self.redact else text

    def redacted(self, item: Item) -> Item:
        """``item`` with its personal data replaced (the answer too, when it is free text)."""
        target = item.target if self.is_classification else redact(item.target)
        return Item(redact(item.input), target, item.origin, item.slice)

    def _item(self, example: Example) -> Item:
        self._check_field(example, self.target_field)
        target = _text(example.fields[self.target_field]).strip()
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
            self.labels = sorted({item.target for item in items})
            if len(self.labels) < 2 or len(self.labels) > MAX_INFERRED_LABELS:
                raise InputError(
                    f"classification needs 2 to {MAX_INFERRED_LABELS} labels but the data has {len(self.labels)}",
                    file=examples[0].source,
                    field=self.target_field,
                    fix="declare task.labels, or set task.type: generation",
                )
            return
        allowed = set(self.labels)
        for item, example in zip(items, examples, strict=True):
            if item.target not in allowed:
                raise InputError(
                    "unknown label",
                    file=example.source,
                    line=example.line,
                    field=self.target_field,
                    value=item.target,
                    fix=f"use one of {', '.join(self.labels)} or add it to task.labels",
                )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _origin(example: Example) -> str:
    return f"{example.source}:{example.line}"
