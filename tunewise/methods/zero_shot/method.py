from __future__ import annotations

from dataclasses import dataclass

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.resources import PROMPTING, Resources
from tunewise.methods.base import register
from tunewise.methods.calibration import CalibrationSettings, calibrate, calibration_sections, check_calibration
from tunewise.methods.prompt import PromptSettings, base_program, check_prompt, load_prompt


@dataclass
class ZeroShotConfig(PromptSettings, CalibrationSettings):
    def __post_init__(self):
        PromptSettings.__post_init__(self)
        CalibrationSettings.__post_init__(self)


@register("zero_shot")
class ZeroShot:
    config_class = ZeroShotConfig
    trains_weights = False
    suggested = True
    about = (
        "Asks the base model directly with your instruction; nothing is trained, so it is cheap to build but often "
        "the weakest."
    )

    def resources(self, config) -> Resources:
        return PROMPTING

    def check(self, config: ZeroShotConfig, task, splits) -> None:
        check_prompt(config, task)
        check_calibration(config, task, splits)

    def folds(self, config: ZeroShotConfig) -> None:
        return None  # nothing is trained

    def fit(self, base, task, splits, config: ZeroShotConfig, ctx: FitContext) -> Adapted:
        adapted = Adapted(method="zero_shot", backend=base, program=base_program(config, task))
        return calibrate(adapted, task, splits, config, ctx)

    def load(self, base, task, directory) -> Adapted:
        return load_prompt("zero_shot", base, directory)

    def summary(self, details: dict) -> list:
        return calibration_sections(details)
