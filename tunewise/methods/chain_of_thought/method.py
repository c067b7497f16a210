from __future__ import annotations

from dataclasses import dataclass, field

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.errors import TunewiseError
from tunewise.core.resources import PROMPTING, Resources
from tunewise.methods.base import register
from tunewise.methods.prompt import PromptSettings, base_program, check_prompt, load_prompt

STEP_BY_STEP = "Think step by step. Then write the final answer on its own line as 'Answer: <answer>'."


@dataclass
class ChainOfThoughtConfig(PromptSettings):
    reasoning_instruction: str = field(
        default=STEP_BY_STEP, metadata={"help": "appended to the instruction; must ask for an 'Answer:' line"}
    )
    max_new_tokens: int = field(default=256, metadata={"help": "room for the reasoning and the answer"})

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        if self.max_new_tokens < 8:
            raise ValueError(f"max_new_tokens must leave room to reason (>= 8), got {self.max_new_tokens}")


@register("chain_of_thought")
class ChainOfThought:
    config_class = ChainOfThoughtConfig
    trains_weights = False
    suggested = False
    about = (
        "Asks the model to reason step by step before it answers (free-text tasks only); nothing is trained, but the "
        "long replies make every answer slower and costlier."
    )

    def resources(self, config) -> Resources:
        return PROMPTING

    def check(self, config: ChainOfThoughtConfig, task, splits) -> None:
        if task.is_classification:
            raise TunewiseError(
                "chain_of_thought is for generation tasks (classification is scored by label likelihood); "
                "set task.type: generation or remove the method"
            )
        check_prompt(config, task)

    def folds(self, config: ChainOfThoughtConfig) -> None:
        return None  # nothing is trained

    def fit(self, base, task, splits, config: ChainOfThoughtConfig, ctx: FitContext) -> Adapted:
        program = base_program(config, task)
        program.instruction = " ".join(part for part in (program.instruction, config.reasoning_instruction) if part)
        program.reasoning, program.max_new_tokens = True, config.max_new_tokens
        return Adapted(method="chain_of_thought", backend=base, program=program)

    def load(self, base, task, directory) -> Adapted:
        return load_prompt("chain_of_thought", base, directory)

    def summary(self, details: dict) -> list:
        return []
