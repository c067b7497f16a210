"""A decision for a stored experiment, under the settings it was run with or under new ones."""

from __future__ import annotations

from tunewise.core.errors import TunewiseError
from tunewise.core.typed import Problems, build
from tunewise.decide.candidates import gather
from tunewise.decide.decision import Decision
from tunewise.decide.human import HumanRatings
from tunewise.decide.judge_check import JudgeCheckResult
from tunewise.decide.recommend import decide
from tunewise.decide.settings import DecisionConfig, PriceSheet
from tunewise.store import Store


def decision_for(
    store: Store, experiment: str, settings: DecisionConfig | None = None, prices: PriceSheet | None = None
) -> Decision:
    """Under the settings and prices the experiment was stored with, unless new ones are given (e.g. another
    volume or price sheet, to see whether the recommendation changes)."""
    snapshot = store.experiment_config(experiment)
    settings = settings or _rebuild(DecisionConfig, snapshot.get("decision"), experiment)
    prices = prices or _rebuild(PriceSheet, snapshot.get("prices"), experiment)
    model = (snapshot.get("model") or {}).get("name")
    candidates = gather(store, experiment, prices, model)
    if not candidates:
        raise TunewiseError(f"experiment {experiment!r} has no completed runs yet; start one with `tunewise run`")
    task = snapshot.get("task") or {}
    labels = task.get("labels")
    if task.get("type", "classification") == "classification" and not labels:  # labels inferred from the data
        labels = sorted({t for c in candidates for t in c.targets})
    human = HumanRatings.from_ratings(store.ratings.of(experiment))
    checked = store.judge_checks.latest(experiment)
    judge_check = JudgeCheckResult.from_dict(checked.result) if checked else None
    return decide(candidates, settings, labels, seed=snapshot.get("seed", 0), human=human, judge_check=judge_check)


def _rebuild(cls, data, experiment: str):
    if data is None:  # stored before the section existed
        return cls()
    problems = Problems()
    value = build(cls, data, problems)
    if problems.items:
        raise TunewiseError(f"stored settings of {experiment!r} are unreadable: {problems.items[0]}")
    return value
