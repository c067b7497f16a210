"""What every method of one experiment run shares, set up the same way by ``run`` and ``resume``: the store,
the prepared data, the data check's findings, the base model (loaded once) and the measurer (with the judge)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tunewise.core.backend import Backend
from tunewise.core.environment import code_version, environment
from tunewise.core.items import Splits
from tunewise.core.throughput import Throughput
from tunewise.evaluate.judge.measure import Judging
from tunewise.evaluate.measure import Measurer
from tunewise.models.calibration import calibrate
from tunewise.models.load import load_base
from tunewise.run.config import ExperimentConfig
from tunewise.run.models import ModelPool
from tunewise.store import Store
from tunewise.tasks.task import Task


@dataclass
class Session:
    config: ExperimentConfig
    store: Store
    experiment_id: int
    task: Task
    splits: Splits
    log: Callable[[str], None]
    data_quality: dict
    base: Backend
    measurer: Measurer
    environment: dict
    code_version: str
    models: ModelPool  # the other models methods name (an API model, a teacher), loaded on first use
    speeds: dict[int, Throughput | None]  # measured speed per local model (by id), which prices counted work
    pricing_threads: int | None = None  # CPU threads prices assume (an executor's worker: the local run's)

    @property
    def throughput(self) -> Throughput | None:
        return self.throughput_of(self.base)

    def base_for(self, entry) -> Backend:
        """The model a method entry adapts: its own (``model: NAME``) or the experiment's."""
        return self.models.get(entry.model)

    def throughput_of(self, backend: Backend) -> Throughput | None:
        """This device's measured speed for a local model (None for a model billed per token)."""
        if id(backend) not in self.speeds:
            local = not backend.bills_tokens
            self.speeds[id(backend)] = calibrate(backend, threads=self.pricing_threads) if local else None
        return self.speeds[id(backend)]


def open_session(
    config: ExperimentConfig,
    store: Store,
    experiment_id: int,
    task: Task,
    splits: Splits,
    data_quality: dict,
    log: Callable[[str], None],
) -> Session:
    """Loads the base model: call it only once some method has work to do."""
    base = load_base(config.model, config.seed)
    models = ModelPool(config.models, base, config.seed)
    measurer = Measurer(
        task,
        splits.test,
        stability=config.stability,
        forgetting=config.forgetting,
        bias=config.bias,
        seed=config.seed,
        base=base,
        judging=_judging(config, models),
    )
    return Session(
        config,
        store,
        experiment_id,
        task,
        splits,
        log,
        data_quality,
        base,
        measurer,
        environment(),
        code_version(),
        models,
        {},
    )


def _judging(config: ExperimentConfig, models: ModelPool) -> Judging | None:
    """The judge, when the experiment has one: its model comes from the pool, loaded when first needed (a method
    may name the same model). It works only while a method is measured, after the method's build work has been
    taken (``method_run``), so none of it is priced with a build."""
    if config.judge is None:
        return None
    return Judging(config.judge, lambda: models.get(config.judge.model), config.seed)
