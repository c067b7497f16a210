"""`tunewise report`: one self-contained HTML file (plotly.js inlined, no external requests) holding the
recommendation, the leaderboard, the plots, and a browser of the test examples where methods disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from tunewise import __version__
from tunewise.core.errors import InputError
from tunewise.core.fetch import atomic_write_text
from tunewise.core.format import duration, human_bytes, human_count, p_value, usd
from tunewise.core.home import make_shareable
from tunewise.decide.decision import Decision
from tunewise.report import plots
from tunewise.report.leaderboard import verdict
from tunewise.report.summary import decision_notes

MAX_BROWSED = 500  # disagreements listed in the browser; the page stays light


def disagreements(decision: Decision) -> list[dict]:
    """Test examples on which the methods do not all give the same answer, hardest first (most methods wrong)."""
    methods = decision.candidates
    if len(methods) < 2:
        return []
    rows = []
    for i, position in enumerate(methods[0].positions):
        answers = [(c.method_id, c.guesses[i], c.correct[i]) for c in methods]
        if len({guess for _, guess, _ in answers}) > 1:
            rows.append(
                {
                    "position": position,
                    "input": methods[0].inputs[i],
                    "target": methods[0].targets[i],
                    "answers": answers,
                    "wrong": sum(not right for _, _, right in answers),
                }
            )
    return sorted(rows, key=lambda r: -r["wrong"])[:MAX_BROWSED]


def report_context(decision: Decision, experiment: str) -> dict:
    """What the report's sections (``report_sections.html.j2``) show: the studio renders them too."""
    return {
        "experiment": experiment,
        "decision": decision,
        "notes": decision_notes(decision),
        "verdict": lambda method_id: verdict(decision, method_id),
        "figures": {
            "quality_vs_cost": plots.quality_vs_cost(decision),
            "cost_vs_volume": plots.cost_vs_volume(decision),
            "learning_curves": plots.learning_curves(decision),
            "stability": plots.stability_spread(decision),
            "confusion": plots.confusion_matrices(decision),
        },
        "disagreements": disagreements(decision),
    }


def render_report(decision: Decision, experiment: str) -> str:
    env = Environment(loader=PackageLoader("tunewise.report"), autoescape=select_autoescape(["html", "j2"]))
    env.filters.update(usd=usd, count=human_count, bytes=human_bytes, p=p_value, duration=duration)
    return env.get_template("report.html.j2").render(
        **report_context(decision, experiment),
        plotly_js=get_plotlyjs(),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )


def write_report(decision: Decision, experiment: str, path: Path) -> Path:
    html = render_report(decision, experiment)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, html)
        make_shareable(path)  # a report is for sharing; the atomic temp file was private
    except OSError as exc:  # a read-only folder, a full disk, a file where a folder should be
        raise InputError(
            f"cannot write the report ({exc.strerror or exc})",
            file=str(path),
            fix="pass -o/--report a file in a folder you can write (and free disk space if it is full)",
        ) from None
    return path
