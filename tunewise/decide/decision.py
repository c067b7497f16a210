"""The decision for one experiment: who was set aside and why, the paired tests, the group tied for best, the
Pareto front, break-even volumes, the recommended method, what blind raters preferred, and the reasons in plain
words."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunewise.core.stats import PairedTest
from tunewise.decide.baseline import Reference
from tunewise.decide.candidates import Candidate
from tunewise.decide.costs import BreakEven
from tunewise.decide.human import HumanRatings
from tunewise.decide.judge_check import JudgeCheckResult
from tunewise.decide.settings import DecisionConfig


@dataclass
class Decision:
    settings: DecisionConfig
    candidates: list[Candidate]  # best primary metric first
    labels: list[str] | None = None  # classification labels, when the task has them
    excluded: dict[str, list[str]] = field(default_factory=dict)  # method id -> why it cannot be chosen
    leader: Candidate | None = None  # best primary metric among the eligible
    tests: dict[str, PairedTest] = field(default_factory=dict)  # method id -> leader vs it
    chosen_tests: dict[str, PairedTest] = field(default_factory=dict)  # method id -> recommended vs it
    top_group: list[Candidate] = field(default_factory=list)  # the leader and those tied with it
    recommended: Candidate | None = None
    pareto: list[str] = field(default_factory=list)
    break_evens: list[BreakEven] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    reference: Reference | None = None  # always answering train's majority label (classification); never a candidate
    human: HumanRatings | None = None  # blind A/B ratings, when people gave some; cited, never deciding
    judge_check: JudgeCheckResult | None = None  # the latest LLM judge's agreement with those ratings

    @property
    def metric(self) -> str:
        return self.candidates[0].metric if self.candidates else "metric"

    def lifetime_usd(self, candidate: Candidate) -> float:
        return candidate.costs.total_usd(self.settings.lifetime_requests)

    def tied_with_leader(self, method_id: str) -> bool:
        test = self.tests.get(method_id)
        return test is not None and not test.significant(self.settings.alpha)
