"""What `tunewise show` prints about a prompt search: every candidate tried, and the winner."""

from __future__ import annotations

from tunewise.core.sections import Section


def search_sections(details: dict) -> list[Section]:
    trace, summary = details.get("search"), details.get("search_summary", {})
    if not trace:
        return []
    title = (
        f"prompt search: {summary.get('evaluations')} of {summary.get('budget')} candidate evaluations"
        f"{_spent(summary)}, proposer {summary.get('proposer', 'base')}, "
        f"validation {summary.get('base_validation', 0):.3f} -> {summary.get('best_validation', 0):.3f}"
        f"{_test(summary.get('test'))}"
    )
    rows = [
        [
            str(row["candidate"]),
            row["source"],
            str(row["n_demos"]),
            f"{row['validation']:.3f}",
            f"{row['seconds']:.1f}",
            row["instruction"][:100],
        ]
        for row in trace
    ]
    best = next((i for i, row in enumerate(trace) if row["candidate"] == summary.get("best_candidate")), None)
    columns = ["#", "source", "demos", "validation", "seconds", "instruction"]
    return [Section(title, columns, rows, highlight=best)]


def _spent(summary: dict) -> str:
    spent, limit = summary.get("spent_usd") or 0.0, summary.get("max_usd")
    if not spent and limit is None:
        return ""
    stop = " (the $ budget stopped it)" if summary.get("stopped_by") == "dollars" else ""
    return f", ${spent:.4f} spent" + (f" of ${limit:g}" if limit is not None else "") + stop


def _test(test: dict | None) -> str:
    """What the validation gain was worth on the test split (absent when the starting prompt won)."""
    if not test:
        return "; the starting prompt won"
    verdict = "significant" if test["p_value"] < 0.05 else "not significant"
    return (
        f"; on test {test['start']:.3f} -> {test['best']:.3f} ({test['gain']:+.3f}, McNemar p={test['p_value']:.3g}, "
        f"{verdict})"
    )
