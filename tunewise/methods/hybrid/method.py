from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import Resources
from tunewise.core.sections import Section
from tunewise.methods.base import register
from tunewise.methods.lora import LoraSettings, adapter_resources, load_lora, train_lora
from tunewise.methods.lora.quantized import check_quantization
from tunewise.methods.prompt_search import SearchSettings, search_prompt
from tunewise.methods.prompt_search.summary import search_sections
from tunewise.methods.weights import check_training, training_folds


@dataclass
class HybridSearch(SearchSettings):
    """prompt_search's settings with hybrid's defaults: demonstrations lengthen every training sequence k-fold
    and proposals cost generation, so both are off unless asked for."""

    proposals: int = field(default=0, metadata={"help": "instructions a proposer writes from failing examples"})
    k: int = field(default=0, metadata={"help": "demonstrations bootstrapped into the prompt"})
    max_evaluations: int = field(default=8, metadata={"help": "budget: candidate evaluations on validation"})


@dataclass
class HybridSettings(LoraSettings):
    search: HybridSearch | None = field(
        default_factory=HybridSearch,
        metadata={"help": "prompt search settings (as prompt_search's); null: train with the prompt given here"},
    )


@register("hybrid")
class Hybrid:
    config_class = HybridSettings
    trains_weights = True
    suggested = False
    about = (
        "Searches for a good prompt first, then trains a LoRA add-on with it; costs the search plus the training, "
        "aiming for the best of both."
    )

    def resources(self, config) -> Resources:
        return adapter_resources(config)

    def check(self, config: HybridSettings, task, splits) -> None:
        check_training(config, task, splits)
        # the search's proposer is checked with the experiment's models
        check_quantization(config.quantization, config.launcher)

    def folds(self, config: HybridSettings) -> int | None:
        return training_folds(config)

    def fit(self, base, task, splits, config: HybridSettings, ctx: FitContext) -> Adapted:
        if config.search is None:
            return train_lora("hybrid", base, task, splits, config, ctx, {"prompt_source": "given"})
        searched = search_prompt(base, task, splits, config, config.search, ctx)
        details = {"prompt_source": "prompt_search", **searched.details}
        return train_lora("hybrid", base, task, splits, config, ctx, details, program=searched.program)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_lora("hybrid", base, directory)

    def summary(self, details: dict) -> list[Section]:
        return search_sections(details)
