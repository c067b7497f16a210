"""The search: candidate instructions (the user's, templates, a proposer's rewrites after failures) and
bootstrapped demonstrations, each scored on the validation split through the task's evaluation path."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.backend import other_work
from tunewise.core.progress import progress
from tunewise.core.prompt import Demo
from tunewise.core.results import Evaluation
from tunewise.methods.prompt import PromptSettings, base_program
from tunewise.methods.prompt_search.candidates import bootstrap_demos, template_instructions
from tunewise.methods.prompt_search.config import SearchSettings
from tunewise.methods.prompt_search.proposer import clean_proposal, proposal_messages
from tunewise.models.config import ModelConfig
from tunewise.models.load import load_base
from tunewise.models.packaged import MODELS


def check_search(settings: SearchSettings) -> None:
    """An unknown proposer is reported before any model loads."""
    if settings.proposer != "base" and not Path(settings.proposer).is_dir():
        MODELS.get(settings.proposer)


def search_prompt(base, task, splits, prompt: PromptSettings, settings: SearchSettings, ctx: FitContext) -> Adapted:
    """The best program found within ``settings.max_evaluations`` validation evaluations, with its trace."""
    search = _Search(base, task, splits.validation, prompt, settings, ctx)
    start = base_program(prompt, task).instruction
    queue = [("base", start)] + [("user", text) for text in settings.instructions]
    queue += [("template", text) for text in template_instructions(start, task)] if settings.templates else []
    for source, instruction in queue:
        search.try_candidate(source, instruction, [])
    if settings.k and search.has_budget():
        best = search.best()
        demos, tried = bootstrap_demos(search.adapted(best.instruction, []), task, splits.train, settings.k, ctx)
        search.bootstrap_examples = tried
        if demos:
            search.try_candidate("bootstrap", best.instruction, demos)
    proposer = _proposer(base, settings)
    shown = settings.failures_shown
    for round_ in range(settings.proposals):
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
    result = search.result()
    result.details["other_work"] = other_work(proposer, base)
    return result


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


class _Search:
    """Evaluates candidates on the validation split within the budget and keeps the whole trace."""

    def __init__(self, base, task, validation, prompt: PromptSettings, settings: SearchSettings, ctx: FitContext):
        self.base, self.task, self.validation, self.ctx = base, task, validation, ctx
        self.prompt, self.settings = prompt, settings
        self.trials: list[Trial] = []
        self.evaluations: list[Evaluation] = []
        self.bootstrap_examples, self.proposer_replies = 0, []
        self.bar = progress(total=settings.max_evaluations, desc="prompt_search: candidates", unit="candidate")

    def has_budget(self) -> bool:
        return len(self.trials) < self.settings.max_evaluations

    def adapted(self, instruction: str, demos: list[Demo]) -> Adapted:
        program = dataclasses.replace(base_program(self.prompt, self.task), instruction=instruction, demos=demos)
        return Adapted(method="prompt_search", backend=self.base, program=program)

    def try_candidate(self, source: str, instruction: str, demos: list[Demo]) -> None:
        seen = {(t.instruction, tuple(t.demos)) for t in self.trials}
        if not self.has_budget() or (instruction, tuple(demos)) in seen:
            return
        started = time.perf_counter()
        result = self.ctx.evaluate(self.adapted(instruction, demos), self.validation, intervals=False)
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
                "budget": self.settings.max_evaluations,
                "best_candidate": best.candidate,
                "best_validation": best.validation,
                "base_validation": self.trials[0].validation,
                "bootstrap_examples": self.bootstrap_examples,
                "proposer_replies": self.proposer_replies,
            },
        }
        return adapted


def _proposer(base, settings: SearchSettings):
    if settings.proposer == "base":
        return base
    local = Path(settings.proposer).is_dir()
    model = ModelConfig(path=settings.proposer) if local else ModelConfig(name=settings.proposer)
    return load_base(model, seed=0)
