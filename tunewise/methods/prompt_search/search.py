"""The search: candidate instructions (the user's, templates, a proposer's rewrites after reading failures,
GEPA-style) and bootstrapped demonstrations, each scored on the validation split through the task's evaluation
path, within an evaluation budget and a $ budget. What the winner gained over the starting prompt is then
checked on the test split, paired, so a validation gain that does not hold is visible."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.progress import progress
from tunewise.core.prompt import Demo
from tunewise.core.results import Evaluation
from tunewise.methods.prompt import PromptSettings, base_program
from tunewise.methods.prompt_search.candidates import bootstrap_demos, template_instructions
from tunewise.methods.prompt_search.config import SearchSettings
from tunewise.methods.prompt_search.held_out import check_on_test
from tunewise.methods.prompt_search.proposer import clean_proposal, proposal_messages

PROPOSAL_TOKENS = 120


def search_prompt(base, task, splits, prompt: PromptSettings, settings: SearchSettings, ctx: FitContext) -> Adapted:
    """The best program found within the budgets, with its trace."""
    proposer = ctx.model(settings.proposer, base)
    search = _Search(base, task, splits.validation, prompt, settings, ctx)
    start = base_program(prompt, task).instruction
    queue = [("base", start)] + [("user", text) for text in settings.instructions]
    queue += [("template", text) for text in template_instructions(start, task)] if settings.templates else []
    for source, instruction in queue:
        search.try_candidate(source, instruction, [])
    if settings.k and search.has_budget():
        _bootstrap(search, proposer, task, splits.train)
    shown = settings.failures_shown
    for round_ in range(settings.proposals):
        best = search.best()
        failures = [p for p in search.evaluations[best.candidate].predictions if not p.correct]
        if not failures or not search.has_budget():
            break
        # Each round shows other failures, so a greedy proposer does not write the same instruction again.
        begin = (round_ * shown) % len(failures)
        sample = (failures[begin:] + failures[:begin])[:shown]
        reply = proposer.generate([proposer.render(proposal_messages(best.instruction, sample))], PROPOSAL_TOKENS, ())
        proposal = clean_proposal(reply[0])
        search.proposer_replies.append(reply[0])
        if proposal:
            search.try_candidate("proposer", proposal, best.demos)
    result = search.result(proposer.name if proposer is not base else "base")
    if splits.test and search.best().candidate != 0:
        start_program = search.adapted(search.trials[0].instruction, search.trials[0].demos)
        result.details["search_summary"]["test"], result.details["measurement_work"] = check_on_test(
            start_program, result, splits.test, ctx
        )
    return result


def _bootstrap(search: _Search, proposer, task, train) -> None:
    """Demonstrations from training examples the base answers correctly; when it gets none right, from those a
    stronger proposer answers correctly (its own answers shown, so a reasoning proposer shows its reasoning)."""
    best = search.best()
    demos, tried = bootstrap_demos(search.adapted(best.instruction, []), task, train, search.settings.k, search.ctx)
    search.bootstrap_examples = tried
    source = "bootstrap"
    if not demos and proposer is not search.base and search.has_budget():
        teacher = dataclasses.replace(search.adapted(best.instruction, []), backend=proposer)
        demos, more = bootstrap_demos(teacher, task, train, search.settings.k, search.ctx, show_answers=True)
        search.bootstrap_examples += more
        source = "bootstrap (proposer)"
    if demos:
        search.try_candidate(source, best.instruction, demos)


@dataclass
class Trial:
    candidate: int
    source: str  # base | user | template | bootstrap | bootstrap (proposer) | proposer
    instruction: str
    demos: list[Demo]
    validation: float
    seconds: float

    def row(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "demos"} | {"n_demos": len(self.demos)}


class _Search:
    """Evaluates candidates on the validation split within the budgets and keeps the whole trace."""

    def __init__(self, base, task, validation, prompt: PromptSettings, settings: SearchSettings, ctx: FitContext):
        self.base, self.task, self.validation, self.ctx = base, task, validation, ctx
        self.prompt, self.settings = prompt, settings
        self.trials: list[Trial] = []
        self.evaluations: list[Evaluation] = []
        self.bootstrap_examples, self.proposer_replies = 0, []
        self.stopped_by: str | None = None  # the budget that ended the search, if one did
        self.bar = progress(total=settings.max_evaluations, desc="prompt_search: candidates", unit="candidate")

    def has_budget(self) -> bool:
        if len(self.trials) >= self.settings.max_evaluations:
            self.stopped_by = self.stopped_by or "evaluations"
            return False
        if self.settings.max_usd is not None and self.ctx.spent_usd() >= self.settings.max_usd:
            self.stopped_by = self.stopped_by or "dollars"
            return False
        return True

    def adapted(self, instruction: str, demos: list[Demo]) -> Adapted:
        program = dataclasses.replace(base_program(self.prompt, self.task), instruction=instruction, demos=demos)
        return Adapted(method="prompt_search", backend=self.base, program=program)

    def try_candidate(self, source: str, instruction: str, demos: list[Demo]) -> None:
        seen = {(t.instruction, tuple(t.demos)) for t in self.trials}
        # The starting prompt is always scored (it is what the search is measured against), budget or not.
        if (instruction, tuple(demos)) in seen or (self.trials and not self.has_budget()):
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

    def result(self, proposer: str) -> Adapted:
        self.bar.close()
        best = self.best()
        adapted = self.adapted(best.instruction, best.demos)
        adapted.details = {
            "search": [t.row() for t in self.trials],
            "search_summary": {
                "evaluations": len(self.trials),
                "budget": self.settings.max_evaluations,
                "max_usd": self.settings.max_usd,
                "spent_usd": self.ctx.spent_usd(),
                "stopped_by": self.stopped_by,
                "proposer": proposer,
                "best_candidate": best.candidate,
                "best_validation": best.validation,
                "base_validation": self.trials[0].validation,
                "bootstrap_examples": self.bootstrap_examples,
                "proposer_replies": self.proposer_replies,
            },
        }
        return adapted
