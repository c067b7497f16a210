"""One rank of ``launcher: accelerate`` (``python -m tunewise.training.rank FOLDER``, started by launch.py).

Every rank builds the Trainer a single process would (``task_trainer``) around its copy of the model, and
Trainer with Accelerate does the data parallelism. What the ranks must decide alike is made so here:
validation (rank 0's weights are scored by the parent and every rank gets the score, so early stopping and
the best-weights restore happen alike everywhere), the time budget (rank 0's clock decides), and the token
count (each rank counts its own; rank 0 holds the sum before a checkpoint or the result).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing.errors import record
from transformers import TrainerCallback, TrainingArguments

from tunewise.training.callbacks import BestOnTaskMetric, TimeBudget
from tunewise.training.channel import Caller
from tunewise.training.checkpoints import SaveTrainingState, restore_training_state
from tunewise.training.launch import COLLECTIVE_S, STORE, Job, read_job
from tunewise.training.sampling import TokenCount
from tunewise.training.trainer import task_trainer, train_result


@record  # an exception is written to the launcher's error file, which the parent turns into one line
def main(folder: Path) -> None:
    rank = int(os.environ["RANK"])
    caller = Caller(folder) if rank == 0 else None  # first thing: the parent waits for it, with a timeout
    job = read_job(folder)
    if job.device == "cuda":
        torch.cuda.set_device(rank)
    # A FileStore in the private folder: no TCPStore listening on every interface. Gloo also carries the
    # CPU-side objects (scores, counts) of a GPU run.
    dist.init_process_group(
        "gloo" if job.device == "cpu" else "cuda:nccl,cpu:gloo",
        init_method=(folder / STORE).as_uri(),
        rank=rank,
        world_size=job.processes,
        timeout=timedelta(seconds=COLLECTIVE_S),
    )
    try:
        Rank(job, rank, caller).train()
    finally:
        dist.destroy_process_group()


class Rank:
    def __init__(self, job: Job, rank: int, caller: Caller | None):
        self.job, self.rank, self.caller, self.trainer = job, rank, caller, None
        self.trainable = [name for name, p in job.model.named_parameters() if p.requires_grad]

    def train(self) -> None:
        job, model, lead = self.job, self.job.model, self.caller is not None
        best = BestOnTaskMetric(model, self.validate, every=job.eval_every, patience=job.patience, log=self.log)
        budget, tokens = TimeBudget(job.minutes), TokenCount()
        resumable = {"best": best, "budget": budget, "tokens": tokens} if lead else {"best": best}
        own = [budget, Relay(self.caller)] if lead else []
        saves = [SaveTrainingState(resumable)] if lead else []  # after SumTokens: the sum is saved
        callbacks = [best, *own, SumTokens(tokens), *saves, SyncStop()]
        arguments = TrainingArguments(**job.arguments)
        self.trainer = task_trainer(
            model, job.tokenizer, job.features, arguments, job.batch_size, job.answer_only_logits, callbacks, tokens
        )
        if job.resume_from:
            restore_training_state(resumable, Path(job.resume_from))
        model.train()
        output = self.trainer.train(resume_from_checkpoint=job.resume_from)
        model.eval()
        weights = self.weights()
        if lead:
            resumed = Path(job.resume_from) if job.resume_from else None
            self.caller.done(weights, train_result(output.global_step, best, budget, tokens, resumed).__dict__)

    def weights(self) -> dict[str, torch.Tensor]:
        """The trainable weights, whole, on rank 0 (empty elsewhere). Every rank calls it: under FSDP the
        state dict is gathered, a collective."""
        state = self.trainer.accelerator.get_state_dict(self.trainer.model_wrapped)
        return {name: state[name].cpu() for name in self.trainable} if self.rank == 0 else {}

    def validate(self) -> float:
        weights = self.weights()
        score = [self.caller.validate(weights) if self.caller else None]
        dist.broadcast_object_list(score, src=0)
        return score[0]

    def log(self, step: int, name: str, value: float) -> None:
        if self.caller:
            self.caller.log(step, name, value)


class Relay(TrainerCallback):
    """Rank 0's Trainer events, replayed in the parent on its progress bar and store logging."""

    def __init__(self, caller: Caller):
        self.caller = caller

    def on_train_begin(self, args, state, control, **kwargs):
        self.caller.event("on_train_begin", state)

    def on_step_end(self, args, state, control, **kwargs):
        self.caller.event("on_step_end", state)

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.caller.event("on_log", state, logs)

    def on_train_end(self, args, state, control, **kwargs):
        self.caller.event("on_train_end", state)


class SumTokens(TrainerCallback):
    """Before a checkpoint is saved and at the end, rank 0's count becomes the sum over ranks (theirs restart
    from 0), so the count saved and reported is the whole run's."""

    def __init__(self, tokens: TokenCount):
        self.tokens = tokens

    def on_save(self, args, state, control, **kwargs):
        self._sum()

    def on_train_end(self, args, state, control, **kwargs):
        self._sum()

    def _sum(self) -> None:
        counts = [None] * dist.get_world_size()
        dist.all_gather_object(counts, (self.tokens.real, self.tokens.padded))
        lead = dist.get_rank() == 0
        self.tokens.real = sum(real for real, _ in counts) if lead else 0
        self.tokens.padded = sum(padded for _, padded in counts) if lead else 0


class SyncStop(TrainerCallback):
    """Rank 0 alone keeps the time budget: its decision to stop after a step is every rank's."""

    def on_step_end(self, args, state, control, **kwargs):
        stop = [control.should_training_stop]
        dist.broadcast_object_list(stop, src=0)
        control.should_training_stop = stop[0]


if __name__ == "__main__":
    main(Path(sys.argv[1]))
