"""``tunewise resume RUN``: continue a trained method whose process was killed, from its newest checkpoint."""

from __future__ import annotations

from tunewise.core.errors import TunewiseError
from tunewise.core.home import runs_dir
from tunewise.run.config import config_from_snapshot
from tunewise.run.data_check import check_data
from tunewise.run.experiment import run_fingerprint
from tunewise.run.method_run import Outcome, run_method
from tunewise.run.prepare import prepare
from tunewise.run.session import open_session
from tunewise.store import Store
from tunewise.training.checkpoints import checkpoint_step, latest_checkpoint


def resume_run(run_id: int, store: Store, log=print) -> Outcome:
    run, experiment = store.run(run_id)
    if run.status == "completed":
        raise TunewiseError(f"run #{run_id} already completed; nothing to resume")
    if run.status == "running":
        raise TunewiseError(f"run #{run_id} is still running (process {run.pid} on {run.hostname})")
    checkpoint = latest_checkpoint(runs_dir() / str(run_id) / "checkpoints")
    if checkpoint is None:
        raise TunewiseError(
            f"run #{run_id} left no checkpoint (it stopped before its first one, or its method does not train); "
            "start it again with `tunewise run EXPERIMENT.yaml`"
        )
    config = config_from_snapshot(store.experiment_config(experiment), experiment)
    task, splits = prepare(config)
    entry = next((e for e in config.entries if e.id == run.method_id), None)
    if entry is None or run_fingerprint(config, entry, splits) != run.fingerprint:
        raise TunewiseError(
            f"experiment {experiment!r} has changed since run #{run_id} started (settings, data or tunewise "
            "version), so its checkpoint no longer matches; start it again with `tunewise run EXPERIMENT.yaml`"
        )
    quality = check_data(config, task, splits).as_dict()
    store.reopen_run(run_id, keep_steps_up_to=checkpoint_step(checkpoint))
    session = open_session(config, store, run.experiment_id, task, splits, quality, log)
    return run_method(session, entry, run.fingerprint, run_id=run_id, resume_from=checkpoint)
