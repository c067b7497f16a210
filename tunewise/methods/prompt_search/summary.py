"""What `tunewise show` prints about a prompt search: every candidate tried, and the winner."""

from __future__ import annotations

from tunewise.core.sections import Section


def search_sections(details: dict) -> list[Section]:
    trace, summary = details.get("search"), details.get("search_summary", {})
    if not trace:
        return []
    title = (
        f"prompt search: {summary.get('evaluations')} of {summary.get('budget')} candidate evaluations, "
        f"validation {summary.get('base_validation', 0):.3f} -> {summary.get('best_validation', 0):.3f}"
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
