"""A studio job's worker: ``python -m tunewise.studio.worker JOB_ID`` runs one experiment with the CLI's runner,
outside the web server's process, and writes its progress to the store as events the page streams.

Workers take turns through lock files (``--slots`` at a time, one by default: two trainings on a 2-core machine
are each slower than one after the other). SIGTERM (the page's Cancel) interrupts the run as Ctrl-C would: the
method in progress is stored as failed and resumable, the job as cancelled.
"""

from __future__ import annotations

import fcntl
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from tunewise.core.errors import TunewiseError
from tunewise.core.home import home
from tunewise.core.progress import listening
from tunewise.run.config import config_from_data
from tunewise.run.experiment import run_experiment
from tunewise.store import Store, StoreError

WAIT_SECONDS = 0.5


def main(argv: list[str]) -> int:
    job_id, slots = int(argv[0]), int(argv[1]) if len(argv) > 1 else 1
    signal.signal(signal.SIGTERM, _interrupt)
    store = Store()
    try:
        with _slot(slots, store, job_id):
            if not store.jobs.claim(job_id, os.getpid()):
                store.jobs.finish(job_id, "cancelled", "cancelled before it started")
                return 0
            return _run(store, job_id)
    except KeyboardInterrupt:
        store.jobs.finish(job_id, "cancelled", "cancelled from the studio")
        return 130
    except BaseException as exc:  # a job must never stay queued or running after its worker is gone
        traceback.print_exc()
        store.jobs.finish(job_id, "failed", f"the worker failed: {str(exc) or type(exc).__name__}")
        raise


def _run(store: Store, job_id: int) -> int:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)
        _event(store, job_id, "log", {"message": message})

    try:
        config = config_from_data(store.jobs.get(job_id).config, f"studio job #{job_id}")
        with listening(lambda state: _event(store, job_id, "progress", state)):
            outcomes = run_experiment(config, store, log=log)
    except TunewiseError as exc:
        store.jobs.finish(job_id, "failed", str(exc))
        return 1
    except Exception:  # noqa: BLE001  (the page shows why; the worker's log keeps the traceback)
        message = traceback.format_exc()
        print(message, file=sys.stderr)
        store.jobs.finish(job_id, "failed", message.strip().splitlines()[-1])
        return 1
    failed = [f"{o.method_id} (run #{o.run_id}): {o.message}" for o in outcomes if o.status == "failed"]
    store.jobs.finish(job_id, "completed", "; ".join(failed) or None)
    return 0


def _event(store: Store, job_id: int, kind: str, data: dict) -> None:
    """Progress is best-effort: a busy or full store must not fail the training it reports on."""
    try:
        store.jobs.event(job_id, kind, data)
    except StoreError as exc:
        print(f"tunewise: progress not recorded ({exc})", file=sys.stderr)


@contextmanager
def _slot(slots: int, store: Store, job_id: int) -> Iterator[None]:
    """Hold one of ``slots`` lock files for the job's whole run; wait (queued) until one is free."""
    folder = home() / "studio" / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for index in range(max(slots, 1)):
            handle = open(folder / f"slot-{index}.lock", "a")  # noqa: SIM115  (held open while the job runs)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield
            finally:
                handle.close()
            return
        if store.jobs.get(job_id).cancel_requested:
            raise KeyboardInterrupt
        time.sleep(WAIT_SECONDS)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
