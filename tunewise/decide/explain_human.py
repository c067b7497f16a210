"""What blind raters preferred, in the recommendation's words: cited beside the metric, never deciding; and whether
an LLM judge checked against them (`tunewise judge`) agrees with them well enough to trust."""

from __future__ import annotations

import math

from tunewise.decide.decision import Decision

MIN_RATINGS = 20  # below this a win rate's 95% interval is wider than about ±20 points


def human_reasons(decision: Decision) -> list[str]:
    """The recommended method's human win rate and Bradley–Terry rank, when raters judged it; a judge that agrees
    with the raters."""
    return _preference(decision) + _judge_check(decision, trusted=True)


def human_caveats(decision: Decision) -> list[str]:
    """Ratings too few or disagreeing with the recommendation; a judge that does not agree with the raters."""
    return _rating_caveats(decision) + _judge_check(decision, trusted=False)


def _judge_check(decision: Decision, trusted: bool) -> list[str]:
    """The latest judge check's line: a reason when the judge agrees with the raters, a caveat when it does not."""
    check = decision.judge_check
    return [check.summary()] if check and check.trusted == trusted else []


def _preference(decision: Decision) -> list[str]:
    human, chosen = decision.human, decision.recommended
    row = human.of(chosen.method_id) if human and chosen else None
    if row is None:
        return []
    raters = f"{human.raters} rater" + ("s" if human.raters != 1 else "")
    return [
        f"Human preference: people preferred {chosen.method_id} in {row.win_rate:.0%} of {row.comparisons} blind "
        f"comparisons [{row.low:.0%}, {row.high:.0%}] (Bradley–Terry rank {row.rank} of {len(human.methods)}; "
        f"ties count half; {human.ratings} ratings by {raters})."
    ]


def _rating_caveats(decision: Decision) -> list[str]:
    """Too few ratings, the recommended method never rated, or raters preferring another method."""
    human, chosen = decision.human, decision.recommended
    if human is None or chosen is None:
        return []
    caveats = []
    if human.ratings < MIN_RATINGS:
        caveats.append(
            f"Only {human.ratings} blind ratings: too few ratings to rely on; rate {MIN_RATINGS}+ pairs in "
            "`tunewise studio`."
        )
    row, best = human.of(chosen.method_id), human.best
    if row is None:
        caveats.append(f"No blind rating includes {chosen.method_id}, so whether people prefer it is unknown.")
    elif row.rank != 1 and not math.isclose(row.strength, best.strength):
        caveats.append(
            f"People preferred {best.method_id} (Bradley–Terry rank 1, win rate {best.win_rate:.0%} "
            f"[{best.low:.0%}, {best.high:.0%}]) to the recommended {chosen.method_id} (rank {row.rank}): "
            f"{decision.metric} may miss what your raters value (`tunewise ratings` shows every method's record)."
        )
    return caveats
