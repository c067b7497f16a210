"""The decision in the terminal: the recommendation, its reasons, the caveats, the Pareto front and the
break-even volumes that involve the recommended method."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from tunewise.core.format import human_count
from tunewise.decide.decision import Decision


def decision_notes(decision: Decision) -> list[str]:
    """The Pareto front and the recommended method's break-even volumes, in plain text."""
    settings, lines = decision.settings, []
    if decision.pareto:
        lines.append(
            f"Pareto front (quality vs total cost over {settings.horizon_months:g} months at "
            f"{settings.requests_per_month:,} requests/month): {', '.join(decision.pareto)}"
        )
    chosen = decision.recommended
    at_once = []
    for be in decision.break_evens:
        if chosen is None or chosen.method_id not in (be.cheaper_to_run, be.dearer_to_run):
            continue
        if be.requests is None and be.cheaper_to_run == chosen.method_id:
            at_once.append(be.dearer_to_run)
        elif be.requests is None:
            lines.append(f"{be.cheaper_to_run} costs less than {chosen.method_id} from the first request on.")
        else:
            lines.append(
                f"Break-even: {be.cheaper_to_run} pays back its higher build cost against {be.dearer_to_run} "
                f"after {human_count(be.requests)} requests."
            )
    if at_once:
        lines.append(f"{chosen.method_id} costs less than {', '.join(at_once)} from the first request on.")
    return lines


def print_decision(console: Console, decision: Decision) -> None:
    chosen = decision.recommended
    title = f"Recommendation: {escape(chosen.method_id)}" if chosen else "No recommendation"
    lines = [f"• {escape(reason)}" for reason in decision.reasons]
    lines += [f"[yellow]! {escape(caveat)}[/]" for caveat in decision.caveats]
    lines += [escape(note) for note in decision_notes(decision)]
    console.print(Panel("\n".join(lines), title=f"[bold]{title}[/]", border_style="green" if chosen else "red"))
