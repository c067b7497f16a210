from __future__ import annotations

from dataclasses import dataclass

from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.prompt import PromptSettings, base_program


@dataclass
class ZeroShotConfig(PromptSettings):
    pass


@register("zero_shot")
class ZeroShot:
    config_class = ZeroShotConfig

    def fit(self, base, task, splits, config: ZeroShotConfig, ctx: FitContext) -> Adapted:
        return Adapted(method="zero_shot", backend=base, program=base_program(config, task))
