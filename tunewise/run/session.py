"""What every method of one experiment run shares, set up the same way by ``run`` and ``resume``: the store,
the prepared data, the data check's findings, the base model (loaded once) and the measurer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tunewise.core.backend import Backend
from tunewise.core.environment import code_version, environment
from tunewise.core.items import Splits
from tunewise.core.throughput import Throughput
from tunewise.evaluate.measure import Measurer
from tunewise.models.calibration import calibrate
from tunewise.models.load import load_base
from tunewise.run.config import ExperimentConfig
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
    throughput: Throughput  # this device's measured speed for the base model: prices counted work


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
    measurer = Measurer(
        task,
        splits.test,
        stability=config.stability,
        forgetting=config.forgetting,
        bias=config.bias,
        seed=config.seed,
        base=base,
    )
    throughput = calibrate(base)
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
        throughput,
    )
