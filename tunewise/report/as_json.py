"""The decision as JSON, for scripts (`tunewise compare EXPERIMENT --json`)."""

from __future__ import annotations

from tunewise.decide.decision import Decision
from tunewise.report.leaderboard import verdict


def decision_as_dict(experiment: str, decision: Decision) -> dict:
    chosen = decision.recommended
    return {
        "experiment": experiment,
        "metric": decision.metric,
        "leaderboard": [
            {
                "method_id": c.method_id,
                "method": c.method,
                "run": c.run_id,
                decision.metric: {"value": c.value, "low": c.low, "high": c.high},
                "vs_best": verdict(decision, c.method_id),
                "usd_build": c.costs.build_usd,
                "usd_per_1k_requests": c.costs.usd_per_1k_requests,
                "latency_p95_ms": c.costs.latency_p95_ms,
                "device": c.costs.build_device,
                "billing": c.costs.billing,
                "excluded": decision.excluded.get(c.method_id, []),
            }
            for c in decision.candidates
        ],
        # Always answering train's majority label, on the same test targets: a reference, never a candidate.
        "reference": decision.reference.as_dict() if decision.reference else None,
        "recommendation": chosen
        and {"method_id": chosen.method_id, "reasons": decision.reasons, "caveats": decision.caveats},
        # Blind A/B ratings per method id (win rate, Wilson interval, Bradley–Terry rank); cited, never deciding.
        "human": decision.human.as_dict() if decision.human else None,
        # The latest LLM judge checked against those ratings (`tunewise judge`), without its per-pair verdicts.
        "judge_check": _judge_check(decision),
        "pareto": decision.pareto,
        "requests_per_month": decision.settings.requests_per_month,
    }


def _judge_check(decision: Decision) -> dict | None:
    check = decision.judge_check
    if check is None:
        return None
    return {k: v for k, v in check.as_dict().items() if k != "pairs"} | {"trusted": check.trusted}
