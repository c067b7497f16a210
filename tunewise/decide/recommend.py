"""The decision: which methods meet the user's constraints, which are statistically tied for best, the
quality-vs-cost Pareto front, and the one to ship with its reasons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tunewise.decide.baseline import majority_reference
from tunewise.decide.candidates import Candidate
from tunewise.decide.costs import break_even
from tunewise.decide.decision import Decision
from tunewise.decide.explain import explain
from tunewise.decide.human import HumanRatings
from tunewise.decide.judge_check import JudgeCheckResult
from tunewise.decide.paired import against_leader
from tunewise.decide.settings import DecisionConfig


def decide(
    candidates: list[Candidate],
    settings: DecisionConfig,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    human: HumanRatings | None = None,
    judge_check: JudgeCheckResult | None = None,
) -> Decision:
    """``human``: blind ratings, and ``judge_check`` an LLM judge's agreement with them, cited in the reasons and
    caveats; the metric alone picks the method."""
    decision = Decision(settings, sorted(candidates, key=lambda c: -c.value), list(labels) if labels else None)
    decision.human, decision.judge_check = human, judge_check
    elsewhere = _other_test_sets(decision.candidates)
    for method_id in elsewhere:
        decision.excluded[method_id] = ["evaluated on another test set (its data changed since); run it again"]
    for candidate in decision.candidates:
        problems = constraint_violations(candidate, settings)
        if problems:
            decision.excluded.setdefault(candidate.method_id, []).extend(problems)
    eligible = [c for c in decision.candidates if c.method_id not in decision.excluded]
    comparable = [c for c in decision.candidates if c.method_id not in elsewhere]
    decision.reference = majority_reference(comparable, labels, seed)
    decision.pareto = pareto_front(comparable, settings)
    decision.break_evens = [
        be
        for i, a in enumerate(comparable)
        for b in comparable[i + 1 :]
        if (be := break_even(a.method_id, a.costs, b.method_id, b.costs))
    ]
    if eligible:
        decision.leader = eligible[0]
        others = [c for c in comparable if c is not decision.leader]
        decision.tests = against_leader(decision.leader, others, labels, seed)
        decision.top_group = [decision.leader] + [c for c in eligible[1:] if decision.tied_with_leader(c.method_id)]
        decision.recommended = cheapest_of(decision.top_group, decision.lifetime_usd)
        decision.chosen_tests = decision.tests
        if decision.recommended is not decision.leader:
            rest = [c for c in comparable if c is not decision.recommended]
            decision.chosen_tests = against_leader(decision.recommended, rest, labels, seed)
    decision.reasons, decision.caveats = explain(decision)
    return decision


COST_TOLERANCE = 0.10  # total costs this close are within timing noise: then quality decides


def cheapest_of(group: list[Candidate], total_usd) -> Candidate:
    """The cheapest in total; among those within COST_TOLERANCE of it, the best scoring, then the cheapest to
    build (measured throughput varies by a few percent between identical runs)."""
    cheapest = min(total_usd(c) for c in group)
    near = [c for c in group if total_usd(c) <= cheapest * (1 + COST_TOLERANCE)]
    return max(near, key=lambda c: (c.value, -c.costs.build_usd, -(c.costs.latency_p95_ms or 0.0)))


def constraint_violations(candidate: Candidate, settings: DecisionConfig) -> list[str]:
    costs, problems = candidate.costs, []
    if settings.min_quality is not None and candidate.value < settings.min_quality:
        problems.append(f"{candidate.metric} {candidate.value:.3f} is below min_quality {settings.min_quality:g}")
    if settings.max_latency_ms is not None:
        if costs.latency_p95_ms is None:
            problems.append("its latency was not measured, so max_latency_ms cannot be checked (run it again)")
        elif costs.latency_p95_ms > settings.max_latency_ms:
            problems.append(
                f"p95 latency {costs.latency_p95_ms:.0f} ms exceeds max_latency_ms {settings.max_latency_ms:g}"
            )
    if settings.max_build_usd is not None and costs.build_usd > settings.max_build_usd:
        problems.append(f"building cost ${costs.build_usd:.4f}, above max_build_usd {settings.max_build_usd:g}")
    monthly = costs.run_usd(settings.requests_per_month)
    if settings.max_monthly_usd is not None and monthly > settings.max_monthly_usd:
        problems.append(f"serving costs ${monthly:.2f}/month, above max_monthly_usd {settings.max_monthly_usd:g}")
    return problems


def pareto_front(candidates: list[Candidate], settings: DecisionConfig) -> list[str]:
    """Methods no other method beats on both quality and total cost at the expected volume."""
    cost = {c.method_id: c.costs.total_usd(settings.lifetime_requests) for c in candidates}

    def dominated(c: Candidate) -> bool:
        return any(
            o.value >= c.value
            and cost[o.method_id] <= cost[c.method_id]
            and (o.value > c.value or cost[o.method_id] < cost[c.method_id])
            for o in candidates
        )

    return [c.method_id for c in sorted(candidates, key=lambda c: cost[c.method_id]) if not dominated(c)]


def _other_test_sets(candidates: list[Candidate]) -> set[str]:
    """Paired comparisons need the same test examples: runs made on another test set than most are set aside."""
    if not candidates:
        return set()
    signature = lambda c: (tuple(c.positions), tuple(c.targets), tuple(c.inputs))  # noqa: E731
    common, _ = Counter(signature(c) for c in candidates).most_common(1)[0]
    return {c.method_id for c in candidates if signature(c) != common}
