"""The data quality report in the terminal (`tunewise data check`, and `show` for the check stored with a run)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tunewise.data.quality import Finding, QualityReport


def print_report(console: Console, name: str, report: QualityReport) -> None:
    sizes = ", ".join(f"{split} {n}" for split, n in report.sizes.items() if n)
    labels = "; ".join(
        f"{split}: " + ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        for split, counts in report.labels.items()
        if counts
    )
    console.print(f"[bold]{escape(name)}[/]: {sizes} examples" + (f"; labels {escape(labels)}" if labels else ""))
    if not report.findings:
        console.print("no problems found")
        return
    table = Table("", "check", "finding", "e.g.", title="data quality")
    for f in report.findings:
        mark = {"error": "[red]error[/]", "warning": "[yellow]warning[/]", "info": "info"}[f.severity]
        where = escape("\n".join(f.where))
        table.add_row("acknowledged" if f.acknowledged else mark, f.check, escape(f.message), where)
    console.print(table)


def stored_report(stored: dict) -> QualityReport:
    """A report as ``QualityReport.as_dict`` stored it with a run."""
    findings = [Finding(**f) for f in stored.get("findings", [])]
    return QualityReport(stored["sizes"], stored.get("labels", {}), findings, stored.get("privacy", {}))
