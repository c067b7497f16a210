"""The ``executor:`` section: where an experiment's methods run. ``executor: dask`` is short for
``executor: {kind: dask}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class ExecutorConfig:
    kind: Literal["local", "processes", "dask"] = field(
        default="local",
        metadata={
            "help": "local: one method after another in this process; processes: a pool of local worker "
            "processes; dask: tasks on a Dask cluster (a LocalCluster on 127.0.0.1, or `address`)"
        },
    )
    workers: int = field(default=2, metadata={"help": "worker processes (processes, and dask's LocalCluster)"})
    address: str | None = field(
        default=None,
        metadata={
            "help": "a running Dask scheduler (tcp://host:8786) instead of a LocalCluster; its workers need this "
            "machine's TUNEWISE_HOME on a shared disk and a shared store (TUNEWISE_DB_URL=postgresql://...)"
        },
    )
    retries: int = field(default=2, metadata={"help": "times a task is run again after its worker died"})
    threads: int | None = field(
        default=None,
        metadata={
            "help": "torch threads per local worker (default: the cores divided among the workers; more lets a "
            "long task use the cores an idle worker leaves, at the price of oversubscription when both work)"
        },
    )

    def threads_per_worker(self, cores: int) -> int:
        return self.threads or max(1, cores // self.workers)

    def __post_init__(self):
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")
        if self.address is not None and self.kind != "dask":
            raise ValueError(f"address is a Dask scheduler's; set kind: dask or remove it (kind is {self.kind!r})")
