from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from tunewise.evaluate.evaluate import Evaluation, evaluate
from tunewise.methods.base import Adapted, FitContext, register
from tunewise.methods.prompt import Demo, PromptSettings, base_program
from tunewise.methods.prompt_search.candidates import bootstrap_demos, template_instructions
from tunewise.methods.prompt_search.proposer import clean_proposal, proposal_messages


@dataclass
class PromptSearchConfig(PromptSettings):
    instructions: list[str] = field(default_factory=list, metadata={"help": "your own candidate instructions"})
    templates: bool = field(default=True, metadata={"help": "also try built-in rewrites of the instruction"})
    proposals: int = field(default=3, metadata={"help": "instructions a proposer writes from failing examples"})
    proposer: str = field(
        default="base", metadata={"help": "'base' (the model itself), a packaged model name or a model folder"}
    )
    k: int = field(default=4, metadata={"help": "demonstrations bootstrapped from the model's correct answers"})
    max_evaluations: int = field(default=12, metadata={"help": "budget: candidate evaluations on validation"})
    failures_shown: int = field(default=3, metadata={"help": "failing examples shown to the proposer"})

    def __post_init__(self):
        PromptSettings.__post_init__(self)
        if self.max_evaluations < 1 or self.k < 0 or self.proposals < 0 or self.failures_shown < 1:
            raise ValueError("need max_evaluations >= 1, k >= 0, proposals >= 0 and failures_shown >= 1")


@dataclass
class Trial:
    candidate: int
    source: str  # base | user | template | proposer
    instruction: str
    demos: list[Demo]
    validation: float
    seconds: float

    def row(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "demos"} | {"n_demos": len(self.demos)}


@register("prompt_search")
class PromptSearch:
    config_class = PromptSearchConfig

    def check(self, config: PromptSearchConfig, task, splits) -> None:
        """An unknown proposer is reported before any model loads."""
        if config.proposer != "base" and not Path(config.proposer).is_dir():
            from tunewise.models.packaged import MODELS

            MODELS.get(config.proposer)

    def fit(self, base, task, splits, config: PromptSearchConfig, ctx: FitContext) -> Adapted:
        search = _Search(base, task, splits.validation, config, ctx)
        start = base_program(config, task).instruction
        queue = [("base", start)] + [("user", text) for text in config.instructions]
        queue += [("template", text) for text in template_instructions(start, task)] if config.templates else []
        for source, instruction in queue:
            search.try_candidate(source, instruction, [])
        if config.k and search.has_budget():
            best = search.best()
            demos, tried = bootstrap_demos(search.adapted(best.instruction, []), task, splits.train, config.k, ctx.seed)
            search.bootstrap_examples = tried
            if demos:
                search.try_candidate("bootstrap", best.instruction, demos)
        proposer = _proposer(base, config)
        shown = config.failures_shown
        for round_ in range(config.proposals):
            best = search.best()
            failures = [p for p in search.evaluations[best.candidate].predictions if not p.correct]
            if not failures or not search.has_budget():
                break
            # Each round shows other failures, so a greedy proposer does not write the same instruction again.
            start = (round_ * shown) % len(failures)
            sample = (failures[start:] + failures[:start])[:shown]
            reply = proposer.generate([proposer.render(proposal_messages(best.instruction, sample))], 80, ())[0]
            proposal = clean_proposal(reply)
            search.proposer_replies.append(reply)
            if proposal:
                search.try_candidate("proposer", proposal, best.demos)
        return search.result()


class _Search:
    """Evaluates candidates on the validation split within the budget and keeps the whole trace."""

    def __init__(self, base, task, validation, config: PromptSearchConfig, ctx: FitContext):
        self.base, self.task, self.validation, self.config, self.ctx = base, task, validation, config, ctx
        self.trials: list[Trial] = []
        self.evaluations: list[Evaluation] = []
        self.bootstrap_examples, self.proposer_replies = 0, []
        self.bar = tqdm(total=config.max_evaluations, desc="prompt_search: candidates", leave=False)

    def has_budget(self) -> bool:
        return len(self.trials) < self.config.max_evaluations

    def adapted(self, instruction: str, demos: list[Demo]) -> Adapted:
        program = dataclasses.replace(base_program(self.config, self.task), instruction=instruction, demos=demos)
        return Adapted(method="prompt_search", backend=self.base, program=program)

    def try_candidate(self, source: str, instruction: str, demos: list[Demo]) -> None:
        seen = {(t.instruction, tuple(t.demos)) for t in self.trials}
        if not self.has_budget() or (instruction, tuple(demos)) in seen:
            return
        started = time.perf_counter()
        result = evaluate(self.adapted(instruction, demos), self.task, self.validation, intervals=False)
        trial = Trial(len(self.trials), source, instruction, demos, result.score, time.perf_counter() - started)
        self.trials.append(trial)
        self.evaluations.append(result)
        self.ctx.log_metric(trial.candidate, "search_validation", trial.validation)
        self.bar.update(1)
        self.bar.set_postfix(best=f"{self.best().validation:.3f}")

    def best(self) -> Trial:
        """Highest validation score; ties go to the earlier (simpler) candidate."""
        return max(self.trials, key=lambda t: (t.validation, -t.candidate))

    def result(self) -> Adapted:
        self.bar.close()
        best = self.best()
        adapted = self.adapted(best.instruction, best.demos)
        adapted.details = {
            "search": [t.row() for t in self.trials],
            "search_summary": {
                "evaluations": len(self.trials),
                "budget": self.config.max_evaluations,
                "best_candidate": best.candidate,
                "best_validation": best.validation,
                "base_validation": self.trials[0].validation,
                "bootstrap_examples": self.bootstrap_examples,
                "proposer_replies": self.proposer_replies,
            },
        }
        return adapted


def _proposer(base, config: PromptSearchConfig):
    if config.proposer == "base":
        return base
    from tunewise.config import ModelConfig
    from tunewise.models import load_base

    local = Path(config.proposer).is_dir()
    model = ModelConfig(path=config.proposer) if local else ModelConfig(name=config.proposer)
    return load_base(model, seed=0)
