from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.lora import LoraSettings, train_lora
from tunewise.methods.lora.quantized import check_quantization
from tunewise.methods.prompt_search import PromptSearch, PromptSearchConfig


@dataclass
class HybridSettings(LoraSettings):
    search: bool = field(
        default=True, metadata={"help": "search the prompt first; false: train with the prompt given here"}
    )
    instructions: list[str] = field(default_factory=list, metadata={"help": "your own candidate instructions"})
    templates: bool = field(default=True, metadata={"help": "also try built-in rewrites of the instruction"})
    proposals: int = field(default=0, metadata={"help": "instructions a proposer writes from failing examples"})
    proposer: str = field(default="base", metadata={"help": "'base', a packaged model name or a model folder"})
    # Demonstrations lengthen every training sequence k-fold; off unless asked for.
    k: int = field(default=0, metadata={"help": "demonstrations bootstrapped into the prompt"})
    max_evaluations: int = field(default=8, metadata={"help": "budget: candidate evaluations on validation"})
    failures_shown: int = field(default=3, metadata={"help": "failing examples shown to the proposer"})

    def search_config(self) -> PromptSearchConfig:
        names = {f.name for f in dataclasses.fields(PromptSearchConfig)}
        return PromptSearchConfig(**{name: getattr(self, name) for name in names})


@register("hybrid")
class Hybrid:
    config_class = HybridSettings

    def check(self, config: HybridSettings, task, splits) -> None:
        PromptSearch().check(config.search_config(), task, splits)
        check_quantization(config.quantization)

    def fit(self, base, task, splits, config: HybridSettings, ctx: FitContext) -> Adapted:
        if not config.search:
            return train_lora("hybrid", base, task, splits, config, ctx, {"prompt_source": "given"})
        searched = PromptSearch().fit(base, task, splits, config.search_config(), ctx)
        details = {"prompt_source": "prompt_search", **searched.details}
        return train_lora("hybrid", base, task, splits, config, ctx, details, program=searched.program)
