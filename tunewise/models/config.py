"""The experiment's `model:` section: the base model and how it is run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tunewise.models.api.config import ApiConfig

DEFAULT_MODEL = "smollm2-135m-instruct"


@dataclass
class ModelConfig:
    name: str | None = field(default=None, metadata={"help": f"a packaged model (default {DEFAULT_MODEL})"})
    path: str | None = field(default=None, metadata={"help": "a local Hugging Face model directory"})
    api: ApiConfig | None = field(
        default=None, metadata={"help": "a model behind an OpenAI-compatible server instead of a local one"}
    )
    max_length: int = field(default=512, metadata={"help": "longest prompt + answer in tokens"})
    allow_pickle: bool = field(
        default=False,
        metadata={"help": "also load pickled weights (.bin/.pt), which can run code: trusted folders only"},
    )
    batch_size: int = field(default=8, metadata={"help": "examples per forward pass (when batch_tokens is off)"})
    batch_tokens: int | Literal["auto"] | None = field(
        default="auto",
        metadata={"help": "padded tokens per forward pass instead (auto: 32768 on a GPU, off on the CPU; null: off)"},
    )
    device: str = field(default="auto", metadata={"help": "auto (a GPU when present), cpu, cuda, cuda:N or mps"})
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = field(
        default="auto", metadata={"help": "auto: bfloat16 on GPUs that support it, float32 on the CPU"}
    )

    @property
    def is_api(self) -> bool:
        return self.api is not None

    @property
    def label(self) -> str:
        """How people call it: the packaged name, the folder, or the API model."""
        return self.api.model if self.api else self.name or self.path

    def __post_init__(self):
        if sum(x is not None for x in (self.name, self.path, self.api)) > 1:
            raise ValueError("give one of name, path or api")
        if self.name is None and self.path is None and self.api is None:
            self.name = DEFAULT_MODEL
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", self.device):
            raise ValueError(f"device {self.device!r} is not one of auto, cpu, cuda, cuda:N, mps")
        if self.batch_tokens not in ("auto", None) and (
            isinstance(self.batch_tokens, bool) or not isinstance(self.batch_tokens, int)
        ):
            raise ValueError(f"batch_tokens must be a number of tokens, auto or null, got {self.batch_tokens!r}")
        if isinstance(self.batch_tokens, int) and self.batch_tokens < self.max_length:
            raise ValueError(f"batch_tokens must hold one longest sequence (>= max_length {self.max_length})")
        if self.max_length < 1 or self.batch_size < 1:
            raise ValueError(
                f"max_length and batch_size must be at least 1, got {self.max_length} and {self.batch_size}"
            )
