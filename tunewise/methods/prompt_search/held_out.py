"""Did the search's validation gain hold on the test split? The starting prompt and the winner answer the same
test examples; McNemar's exact test on the examples where they disagree says whether the difference is real.
This is measurement, not building: its work is reported so the runner keeps it out of the build cost."""

from __future__ import annotations

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.items import Item
from tunewise.core.stats import mcnemar_exact


def check_on_test(start: Adapted, best: Adapted, test: list[Item], ctx: FitContext) -> tuple[dict, dict]:
    before = best.backend.work.copy()
    first = ctx.evaluate(start, test, desc="prompt_search: start on test", intervals=False)
    last = ctx.evaluate(best, test, desc="prompt_search: best on test", intervals=False)
    used = best.backend.work.since(before)
    _, _, p_value = mcnemar_exact([p.correct for p in last.predictions], [p.correct for p in first.predictions])
    check = {"start": first.score, "best": last.score, "gain": last.score - first.score, "p_value": p_value}
    return check, used.as_dict()
