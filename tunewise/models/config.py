"""The experiment's `model:` section: the base model and how it is run."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MODEL = "smollm2-135m-instruct"


@dataclass
class ModelConfig:
    name: str | None = field(default=None, metadata={"help": f"a packaged model (default {DEFAULT_MODEL})"})
    path: str | None = field(default=None, metadata={"help": "a local Hugging Face model directory"})
    max_length: int = field(default=512, metadata={"help": "longest prompt + answer in tokens"})
    allow_pickle: bool = field(
        default=False,
        metadata={"help": "also load pickled weights (.bin/.pt), which can run code: trusted folders only"},
    )
    batch_size: int = field(default=8, metadata={"help": "examples per forward pass"})

    def __post_init__(self):
        if self.name and self.path:
            raise ValueError("give model.name or model.path, not both")
        if self.name is None and self.path is None:
            self.name = DEFAULT_MODEL
        if self.max_length < 1 or self.batch_size < 1:
            raise ValueError(
                f"max_length and batch_size must be at least 1, got {self.max_length} and {self.batch_size}"
            )
