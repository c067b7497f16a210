"""The "Blind human ratings" table: each method's record in blind A/B comparisons and its Bradley–Terry rank."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from tunewise.decide.human import HumanRatings

CAPTION = (
    "win rate = (wins + ½ ties) / comparisons, 95% Wilson interval; 'both bad' counts as a tie; Bradley–Terry "
    "strengths sum to 1 (one virtual tie per pair as prior); the metric, not these, picks the recommendation"
)


def human_table(human: HumanRatings, recommended: str | None = None, title: str | None = None) -> Table:
    """``title``: another rater's record in the same shape (an LLM judge's, ``tunewise judge``)."""
    raters = f"{human.raters} rater" + ("s" if human.raters != 1 else "")
    table = Table(title=title or f"Blind human ratings: {human.ratings} by {raters}", caption=CAPTION)
    for i, header in enumerate(["method", "BT rank", "BT strength", "win rate [95% CI]", "compared", "won"]):
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i < 4)
    for header in ("lost", "tied", "both bad"):
        table.add_column(header, justify="right")
    for row in human.methods:
        mark = " ★" if row.method_id == recommended else ""
        table.add_row(
            f"{escape(row.method_id)}{mark}",
            f"{row.rank} of {len(human.methods)}",
            f"{row.strength:.3f}",
            f"{row.win_rate:.0%} [{row.low:.0%}, {row.high:.0%}]",
            str(row.comparisons),
            str(row.wins),
            str(row.losses),
            str(row.ties),
            str(row.both_bad),
            style="bold" if mark else None,
        )
    return table
