"""The side-by-side leaderboard: quality with confidence intervals, the paired verdict against the best,
and what each method costs to build and to run."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from tunewise.core.format import human_bytes, human_count, p_value, usd
from tunewise.decide.baseline import Reference
from tunewise.decide.decision import Decision


def verdict(decision: Decision, method_id: str) -> str:
    """How a method stands against the leader: best, tie, or worse (with the adjusted p-value)."""
    if decision.leader and method_id == decision.leader.method_id:
        return "best"
    test = decision.tests.get(method_id)
    if test is None:
        return "-"
    if test.significant(decision.settings.alpha):
        return f"{'worse' if test.difference > 0 else 'better'} ({p_value(test.adjusted_p)})"
    return f"tie ({p_value(test.adjusted_p)})"


def leaderboard_table(title: str, decision: Decision) -> Table:
    candidates = decision.candidates
    primary = decision.metric
    other_names = sorted({name for c in candidates for name in c.other_metrics if name != primary})
    n = len(candidates[0].targets) if candidates else 0
    table = Table(
        title=title,
        caption=f"95% bootstrap intervals over n={n} test examples; 'vs best': paired test, Holm-adjusted; "
        f"$ from the price sheet at {decision.settings.requests_per_month:,} requests/month, "
        f"{_billing(candidates)}"
        + (
            "; forgetting: change in general-text perplexity after tuning"
            if any(c.forgetting for c in candidates)
            else ""
        ),
    )
    stable = any(c.stability for c in candidates)
    forgets = any(c.forgetting for c in candidates)
    columns = ["method", "run", f"{primary} [95% CI]", *other_names, "vs best"]
    columns += ["stability (worst)"] if stable else []
    columns += ["forgetting"] if forgets else []
    validated = any(c.cross_validation for c in candidates)
    columns += ["k-fold"] if validated else []
    probed = any(c.bias for c in candidates)
    columns += ["bias gap [95% CI]"] if probed else []
    columns += ["train s", "trainable", "artifact"]
    columns += ["prompt tok", "p95 ms", "$ build", "$/1k req"]
    for i, header in enumerate(columns):
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i < 3)
    for c in candidates:
        costs = c.costs
        mark = " ★" if decision.recommended is c else ""
        table.add_row(
            f"{escape(c.method_id)}{mark}",
            f"#{c.run_id}",
            f"{c.value:.3f} [{c.low:.3f}, {c.high:.3f}]",
            *[f"{c.other_metrics[name]:.3f}" if name in c.other_metrics else "-" for name in other_names],
            verdict(decision, c.method_id),
            *([stability_cell(c.stability)] if stable else []),
            *([forgetting_cell(c)] if forgets else []),
            *([cv_cell(c.cross_validation)] if validated else []),
            *([bias_cell(c.bias)] if probed else []),
            f"{costs.build_seconds:.1f}",
            human_count(costs.trainable_params),
            human_bytes(costs.artifact_bytes),
            f"{costs.prompt_tokens:.0f}",
            f"{costs.latency_p95_ms:.0f}" if costs.latency_p95_ms is not None else "-",
            usd(costs.build_usd),
            usd(costs.usd_per_1k_requests),
            style="bold" if mark else None,
        )
    if decision.reference:
        table.add_row(*reference_cells(decision.reference, len(columns), len(other_names)), style="dim")
    return table


def reference_cells(reference: Reference, width: int, others: int) -> list[str]:
    """The majority-label row: its name and primary metric with CI, no run, no costs; never a candidate."""
    cells = [escape(reference.name), "-", f"{reference.value:.3f} [{reference.low:.3f}, {reference.high:.3f}]"]
    cells += ["-"] * others + ["reference"]
    return cells + ["-"] * (width - len(cells))


def stability_cell(stability: dict | None) -> str:
    if not stability:
        return "-"
    return f"{stability['mean']:.2f}±{stability['std']:.2f} ({stability['worst']:.2f})"


def forgetting_cell(candidate) -> str:
    """Change in general-text perplexity; methods that learn no weights cannot forget."""
    if not candidate.trained:
        return "frozen"
    if not candidate.forgetting:
        return "-"
    return f"{candidate.forgetting['change']:+.1%}"


def cv_cell(cv: dict | None) -> str:
    return f"{cv['mean']:.2f}±{cv['std']:.2f}" if cv else "-"


def bias_cell(bias: dict | None) -> str:
    """Best minus worst slice; '!' marks a gap whose interval excludes zero."""
    gap = (bias or {}).get("gap")
    if not gap:
        return "-"
    flag = " !" if gap["real"] else ""
    return f"{gap['value']:+.2f} [{gap['low']:+.2f}, {gap['high']:+.2f}]{flag}"


def _billing(candidates) -> str:
    """How the dollars were reached, once for the table (e.g. "priced by counted work on Intel Xeon")."""
    ways = sorted({c.costs.billing for c in candidates})
    loads = [c.costs.latency_load for c in candidates if c.costs.latency_load]
    return (
        "priced by " + ", ".join(escape(w) for w in ways) + (f"; p95 measured at {_load_range(loads)}" if loads else "")
    )


def _load_range(loads: list[str]) -> str:
    """'load 2.1 on 2 cores', 'load 2.6 on 2 cores' -> 'load 2.1-2.6 on 2 cores'."""
    parsed = [load.split() for load in loads]
    if all(len(p) == 5 and p[2:] == parsed[0][2:] for p in parsed):
        values = sorted(float(p[1]) for p in parsed)
        span = f"{values[0]:.1f}" if values[0] == values[-1] else f"{values[0]:.1f}-{values[-1]:.1f}"
        return f"load {span} {' '.join(parsed[0][2:])}"
    return ", ".join(sorted(set(loads)))
