"""An experiment's completed runs, read back from the store as candidates for the decision."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tunewise.decide.costs import CostProfile, cost_profile
from tunewise.decide.settings import PriceSheet
from tunewise.decide.sweeps import sweep_winners
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
    train_label_counts: dict[str, int] | None = None  # label -> training examples (classification runs)
    # Per-example scores of metrics fitted on the training answers (the style score), as evaluation stored them.
    example_scores: dict[str, list[float]] = field(default_factory=dict)

    @property
    def trained(self) -> bool:
        return self.costs.trainable_params > 0


def gather(store: Store, experiment: str, prices: PriceSheet, model_name: str | None) -> list[Candidate]:
    """The newest completed run of each method entry, with its predictions and curves; of a sweep's trials,
    only the one with the best validation score."""
    runs = sweep_winners(store.latest_completed(experiment))
    return [_candidate(store, run, sweep, prices, model_name) for run, sweep in runs]


def _candidate(store: Store, run: Run, sweep: dict | None, prices: PriceSheet, model_name: str | None) -> Candidate:
    metric, measured = run.primary_metric, run.measured
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
        other_metrics={name: score["value"] for name, score in run.metrics.items()},
        costs=cost_profile(run.cost, run.environment, model_name, prices),
        positions=[r.position for r in rows],
        inputs=[r.input for r in rows],
        targets=[r.target for r in rows],
        guesses=[r.prediction for r in rows],
        correct=[bool(r.correct) for r in rows],
        split_sizes=run.split_sizes,
        prompt=(run.details or {}).get("prompt", {}),
        curves=dict(curves),
        stability=measured.stability,
        forgetting=measured.forgetting,
        sweep=sweep,
        cross_validation=measured.cross_validation,
        bias=measured.bias,
        train_label_counts=(run.details or {}).get("task", {}).get("train_label_counts"),
        example_scores=_stored_scores(rows),
    )


def _stored_scores(rows) -> dict[str, list[float]]:
    """Metric -> every test example's stored score, for the metrics that every row has one of."""
    named = [set((r.detail or {}).get("scores", {})) for r in rows]
    common = set.intersection(*named) if named else set()
    return {name: [float(r.detail["scores"][name]) for r in rows] for name in sorted(common)}
