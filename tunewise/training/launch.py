"""``launcher: accelerate``: the same training, data-parallel over local processes (the ranks).

Each rank is a fresh Python process (``python -m tunewise.training.rank``) started by torch's elastic launcher
(the process machinery under torchrun: per-rank environment, logs, error files, and the rest stopped when one
fails). It reads the model, tokenizer and features from a job file in a private folder (mode 0700, removed
afterwards) and trains with transformers' Trainer, which runs DDP (or FSDP) through Accelerate once the process
group exists. Rank 0 talks to this process over a Unix socket in that folder: it forwards Trainer's logs and
progress, and asks for each validation, which runs here because only this process holds ``ctx`` (the store,
the evaluation path). At the end it sends the trained weights, loaded into the parent's model, so measuring,
saving and ``Method.load`` see what single-process training leaves.

Nothing listens on the network: the process group meets through a FileStore in the private folder (a TCPStore
would listen on every interface), Gloo and NCCL are pinned to the loopback interface, and MASTER_ADDR is
127.0.0.1 for any library that reads it.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.distributed.elastic.multiprocessing import DefaultLogsSpecs, Std, start_processes

import tunewise
from tunewise.core.adapted import FitContext
from tunewise.core.errors import TunewiseError
from tunewise.training.channel import CHANNEL, Parent, write_private
from tunewise.training.sampling import share_size
from tunewise.training.settings import TrainSettings

JOB, STORE = "job.pt", "store"
COLLECTIVE_S = 1800  # process-group init and every collective; validation runs while the other ranks wait
HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)  # those the launcher takes over


@dataclass
class Job:
    """What every rank needs to build the Trainer a single process would."""

    model: torch.nn.Module
    tokenizer: object
    features: list[dict[str, list[int]]]
    arguments: dict  # TrainingArguments' values, with the per-device share of each global batch
    batch_size: int
    answer_only_logits: bool
    eval_every: int | None
    patience: int
    minutes: float | None
    resume_from: str | None
    processes: int
    device: str
    distributed: str

    @classmethod
    def of(cls, model, tokenizer, features, arguments, settings: TrainSettings, ctx: FitContext, answer_only_logits):
        device = "cpu" if arguments["use_cpu"] else next(model.parameters()).device.type
        n = settings.processes
        sharded = {"fsdp": True, "fsdp_config": {"version": 2}} if settings.distributed == "fsdp" else {}
        per_device = share_size(settings.batch_size, n)
        arguments = arguments | {"per_device_train_batch_size": per_device, "ddp_timeout": COLLECTIVE_S} | sharded
        resume = str(ctx.resume_from) if ctx.resume_from else None
        return cls(
            model, tokenizer, features, arguments, settings.batch_size, answer_only_logits, settings.eval_every,
            settings.patience, ctx.budget.max_train_minutes, resume, n, device, settings.distributed,
        )  # fmt: skip


def train_launched(job: Job, model, validate: Callable[[], float], log, watchers: list) -> dict:
    """Train ``job`` on its ranks; ``model`` (this process's copy) ends with the weights rank 0 sends back.
    ``watchers``: callbacks here that see rank 0's Trainer events. Returns rank 0's TrainResult fields."""
    check_devices(job)
    with tempfile.TemporaryDirectory(prefix="tunewise-ranks-") as name:  # mkdtemp: mode 0700
        folder = Path(name)
        job.arguments["output_dir"] = job.arguments["output_dir"] or str(folder / "trainer")
        write_private(folder / JOB, job)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(str(folder / CHANNEL))
            server.listen(1)
            ranks = start_ranks(folder, job)
            parent = Parent(folder, model, validate, log, watchers, job.processes)
            try:
                fields = parent.serve(ranks, server)
                parent.join(ranks)
            finally:
                ranks.close()  # stops any rank still running (SIGTERM, then SIGKILL)
                parent.close()
    return fields


def check_devices(job: Job) -> None:
    if job.device == "cuda" and torch.cuda.device_count() < job.processes:
        raise TunewiseError(
            f"launcher accelerate with processes {job.processes} needs {job.processes} CUDA GPUs; "
            f"this machine has {torch.cuda.device_count()}"
        )
    if job.device not in ("cpu", "cuda"):
        raise TunewiseError(f"launcher accelerate trains on CPUs or CUDA GPUs, not {job.device}; use launcher local")
    if job.distributed == "fsdp" and job.device != "cuda":
        raise TunewiseError("distributed: fsdp needs CUDA GPUs (NCCL); on CPUs use distributed: ddp")
    if job.distributed == "fsdp" and job.resume_from:  # its saved best weights would be rank 0's shards only
        raise TunewiseError("distributed: fsdp training cannot be resumed yet; run the method again")


def read_job(folder: Path) -> Job:
    # weights_only=False: the job holds the model object itself. It is this user's own private file, written
    # by the parent process a moment ago, never input from elsewhere.
    return torch.load(folder / JOB, map_location="cpu", weights_only=False)


def start_ranks(folder: Path, job: Job):
    n, keep = job.processes, {s: signal.getsignal(s) for s in HANDLED}
    env = rank_environment(n)
    try:
        return start_processes(
            name="tunewise-rank",
            entrypoint=sys.executable,
            args={rank: ("-m", "tunewise.training.rank", str(folder)) for rank in range(n)},
            envs={rank: env | {"RANK": str(rank), "LOCAL_RANK": str(rank)} for rank in range(n)},
            logs_specs=DefaultLogsSpecs(log_dir=str(folder / "logs"), redirects=Std.ALL),
        )
    finally:  # the launcher installs its own signal handlers; this process keeps the ones it had
        if threading.current_thread() is threading.main_thread():
            for sig, handler in keep.items():
                signal.signal(sig, handler)


def rank_environment(n: int) -> dict[str, str]:
    loopback = next((name for _, name in socket.if_nameindex() if name.startswith("lo")), "lo")
    source = str(Path(tunewise.__file__).resolve().parents[1])  # the ranks import this very tunewise
    return {
        "WORLD_SIZE": str(n),
        "LOCAL_WORLD_SIZE": str(n),
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(free_port()),
        "GLOO_SOCKET_IFNAME": loopback,
        "NCCL_SOCKET_IFNAME": loopback,
        "OMP_NUM_THREADS": str(max(1, torch.get_num_threads() // n)),  # the ranks share this process's cores
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), source])),
        "TORCHELASTIC_RUN_ID": "tunewise",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
