"""executor: local — every task in this process, one after another, on one session (today's default)."""

from __future__ import annotations

from tunewise.run.executors.plan import Plan, run_group
from tunewise.run.method_run import Outcome


def run_local(plan: Plan) -> list[Outcome]:
    session = plan.open_session()
    return [outcome for group in plan.groups for outcome in run_group(session, group)]
