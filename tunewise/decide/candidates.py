"""An experiment's completed runs, read back from the store as candidates for the decision."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tunewise.decide.costs import CostProfile, cost_profile
from tunewise.decide.settings import PriceSheet
from tunewise.store import Store
from tunewise.store.schema import Run


@dataclass
class Candidate:
    method_id: str
    method: str
    run_id: int
    metric: str
    value: float
    low: float
    high: float
    other_metrics: dict[str, float]
    costs: CostProfile
    positions: list[int]  # test example positions, to pair predictions across methods
    inputs: list[str]
    targets: list[str]
    guesses: list[str]
    correct: list[bool]
    split_sizes: dict[str, int]
    prompt: dict = field(default_factory=dict)
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    stability: dict | None = None  # {"mean", "std", "worst", "scores"} when measured
    forgetting: dict | None = None  # {"before", "after", ...} when measured
    bias: dict | None = None  # {"slices", "gap"} when a bias probe is configured
    cross_validation: dict | None = None  # {"folds", "scores", "mean", "std"} when asked for
    sweep: dict | None = None  # the sweep this run won on validation: {"group", "params", "trials", ...}

    @property
    def trained(self) -> bool:
        return self.costs.trainable_params > 0


def gather(store: Store, experiment: str, prices: PriceSheet, model_name: str | None) -> list[Candidate]:
    """The newest completed run of each method entry, with its predictions and curves; of a sweep's trials,
    only the one with the best validation score."""
    return [_candidate(store, run, prices, model_name) for run in sweep_winners(store.latest_completed(experiment))]


def sweep_winners(runs: list[Run]) -> list[Run]:
    """Runs outside sweeps as they are; for each sweep, its best trial on validation (earliest on ties), with
    the number of trials and their summed training time recorded on it."""
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.metrics.get("sweep"):
            groups[run.metrics["sweep"]["group"]].append(run)
    kept = []
    for run in runs:
        trial = run.metrics.get("sweep")
        if not trial:
            kept.append(run)
            continue
        trials = groups[trial["group"]]
        if run is max(trials, key=lambda r: (r.metrics["sweep"]["validation"], -r.id)):
            trial["trials"] = len(trials)
            trial["sweep_train_seconds"] = sum(r.cost["train_seconds"] for r in trials)
            kept.append(run)
    return kept


def _candidate(store: Store, run: Run, prices: PriceSheet, model_name: str | None) -> Candidate:
    metric = run.metrics["primary"]
    rows = store.predictions(run.id)
    curves = defaultdict(list)
    for point in store.step_metrics(run.id):
        curves[point.name].append((point.step, point.value))
    return Candidate(
        method_id=run.method_id,
        method=run.method,
        run_id=run.id,
        metric=metric,
        value=run.metrics[metric]["value"],
        low=run.metrics[metric]["low"],
        high=run.metrics[metric]["high"],
        other_metrics={k: v["value"] for k, v in run.metrics.items() if isinstance(v, dict) and "low" in v},
        costs=cost_profile(run.cost, run.environment, model_name, prices),
        positions=[r.position for r in rows],
        inputs=[r.input for r in rows],
        targets=[r.target for r in rows],
        guesses=[r.prediction for r in rows],
        correct=[bool(r.correct) for r in rows],
        split_sizes=run.split_sizes,
        prompt=(run.details or {}).get("prompt", {}),
        curves=dict(curves),
        stability=run.metrics.get("stability"),
        forgetting=run.metrics.get("forgetting"),
        sweep=run.metrics.get("sweep"),
        cross_validation=run.metrics.get("cross_validation"),
        bias=run.metrics.get("bias"),
    )
