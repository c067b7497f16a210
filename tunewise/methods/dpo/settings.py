"""dpo's settings: the ratings file, the preference loss, where training starts, and the adapter it tunes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunewise.core.typed import FILE_REF, METHOD_REF
from tunewise.methods.prompt import PromptSettings


@dataclass
class DpoSettings(PromptSettings):
    pairs: str = field(
        kw_only=True,
        metadata={
            "help": "JSONL of ratings: {prompt, chosen, rejected} pairs (`tunewise ratings NAME --export pairs`) or "
            "{prompt, completion, label} judgments (--export judgments); relative to the experiment file",
            FILE_REF: True,
        },
    )
    loss: Literal["auto", "dpo", "kto"] = field(
        default="auto", metadata={"help": "dpo for pairs, kto for judgments; auto picks it from the file's fields"}
    )
    beta: float = field(
        default=0.1, metadata={"help": "how far the model may move from where it started (higher: less far)"}
    )
    start_from: str | None = field(
        default=None,
        metadata={
            "help": "id of a LoRA method of this experiment (e.g. lora) whose trained adapter and prompt to tune "
            "further; its r/alpha/target_modules replace these (default: a new adapter on the base model)",
            METHOD_REF: True,
        },
    )
    r: int = field(default=8, metadata={"help": "adapter rank (a new adapter only)"})
    alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator, scale = alpha / r (a new adapter only)"})
    dropout: float = field(default=0.0, metadata={"help": "dropout on the adapter input"})
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        metadata={"help": "module names that get adapters; 'all-linear' for every linear layer (a new adapter only)"},
    )
    epochs: float = field(default=2.0, metadata={"help": "passes over the ratings"})
    learning_rate: float = field(default=1e-4, metadata={"help": "peak learning rate (linear decay)"})
    batch_size: int = field(default=8, metadata={"help": "pairs (or judgments) per optimizer step"})
    max_length: int | None = field(
        default=None,
        metadata={"help": "tokens of prompt + answer per example (default: the model's max_length)"},
    )

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        checks = {
            "pairs": bool(self.pairs.strip()),
            "beta": self.beta > 0,
            "r": self.r >= 1,
            "alpha": self.alpha >= 1,
            "dropout": 0 <= self.dropout < 1,
            "epochs": self.epochs > 0,
            "learning_rate": self.learning_rate > 0,
            "batch_size": self.batch_size >= 1,
            "max_length": self.max_length is None or self.max_length >= 8,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(
                f"out of range: {values} (pairs names a file; beta, rates, epochs and sizes are positive, "
                "0 <= dropout < 1, max_length at least 8)"
            )
