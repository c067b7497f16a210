from __future__ import annotations

from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import PROMPTING, Resources
from tunewise.core.sections import Section
from tunewise.methods.base import register
from tunewise.methods.calibration import calibrate, calibration_sections, check_calibration
from tunewise.methods.prompt import check_prompt, load_prompt
from tunewise.methods.prompt_search.config import PromptSearchConfig
from tunewise.methods.prompt_search.search import search_prompt
from tunewise.methods.prompt_search.summary import search_sections


@register("prompt_search")
class PromptSearch:
    config_class = PromptSearchConfig
    trains_weights = False
    suggested = False
    about = (
        "Tries many instructions and example sets on part of your data and keeps the best one; nothing is trained, "
        "but the search costs many model calls up front."
    )

    def resources(self, config) -> Resources:
        return PROMPTING

    def check(self, config: PromptSearchConfig, task, splits) -> None:
        check_prompt(config, task)
        check_calibration(config, task, splits)

    def folds(self, config: PromptSearchConfig) -> None:
        return None  # nothing is trained

    def fit(self, base, task, splits, config: PromptSearchConfig, ctx: FitContext) -> Adapted:
        # The winner's label scores are calibrated after the search (its test check is the search's own gain).
        return calibrate(search_prompt(base, task, splits, config, config, ctx), task, splits, config, ctx)

    def load(self, base, task, directory: Path) -> Adapted:
        return load_prompt("prompt_search", base, directory)

    def summary(self, details: dict) -> list[Section]:
        return search_sections(details) + calibration_sections(details)
