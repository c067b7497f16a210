"""The experiment's `task:` section: what to predict and how it is scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunewise.tasks.metrics import METRICS, installed_metric_names, load_installed_metric


@dataclass
class TaskConfig:
    target: str = field(metadata={"help": "field holding the answer / label"})
    input: str = field(default="{text}", metadata={"help": "input field name, or a template like '{title}: {body}'"})
    type: Literal["classification", "generation"] = field(default="classification", metadata={"help": "task type"})
    labels: list[str] | None = field(default=None, metadata={"help": "label set; inferred from train if omitted"})
    metric: str | None = field(default=None, metadata={"help": "primary metric; default accuracy / exact_match"})
    instruction: str = field(default="", metadata={"help": "what the model is asked to do"})
    system: str | None = field(default=None, metadata={"help": "system prompt; the model's default if omitted"})
    max_new_tokens: int = field(default=32, metadata={"help": "generation: most tokens to generate"})
    stop: list[str] = field(default_factory=lambda: ["\n"], metadata={"help": "generation: stop sequences"})

    def __post_init__(self):
        if self.labels is not None and len(set(self.labels)) < 2:
            raise ValueError(f"labels needs at least two distinct labels, got {self.labels}")
        if self.type == "generation" and self.labels:
            raise ValueError("labels are for classification tasks; remove them or set type: classification")
        allowed = [n for n in METRICS.names() if self.type in METRICS.get(n).task_types]
        if self.metric is None or self.metric in allowed:
            return
        if self.metric not in METRICS and load_installed_metric(self.metric, self.type):
            return
        installed = installed_metric_names()
        extra = f", or an installed one: {', '.join(installed)}" if installed else ""
        raise ValueError(
            f"metric {self.metric!r} does not fit {self.type} tasks; choose one of {', '.join(allowed)}{extra} "
            "(custom metrics come from an installed package's 'tunewise.metrics' entry point)"
        )
