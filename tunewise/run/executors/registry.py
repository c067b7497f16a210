"""Each ``executor.kind`` and the function that runs a plan with it."""

from tunewise.run.executors.dask_cluster import run_dask
from tunewise.run.executors.local import run_local
from tunewise.run.executors.processes import run_processes

EXECUTORS = {"local": run_local, "processes": run_processes, "dask": run_dask}
