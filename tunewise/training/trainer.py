"""Train a causal LM (any trainable parameters) on a task's answers with transformers' Trainer."""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass

import torch
from transformers import DataCollatorForSeq2Seq, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.items import Item
from tunewise.models.device import Placement
from tunewise.training.callbacks import BestOnTaskMetric, LogToStore, TimeBudget, TrainProgress
from tunewise.training.checkpoints import SaveTrainingState, checkpoint_step, restore_training_state
from tunewise.training.launch import Job, train_launched
from tunewise.training.loss import KeepAnswerLogits, answer_only_loss
from tunewise.training.sampling import TaskTrainer, TokenCount
from tunewise.training.settings import TrainSettings

# transformers' Trainer calls its own deprecated property; the warning is not actionable for tunewise users.
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)


@dataclass
class TrainResult:
    steps: int
    seconds: float
    best_step: int
    best_validation: float
    stopped_early: bool
    budget_exhausted: bool
    train_tokens: int
    padding_fraction: float
    validation_history: list[tuple[int, float]]
    resumed_from_step: int | None = None
    seconds_before_resume: float = 0.0  # training time spent by the process that was killed

    def as_details(self) -> dict:
        return {"training": self.__dict__}


def train_causal_lm(
    adapted: Adapted, train: list[Item], settings: TrainSettings, ctx: FitContext, answer_only_logits: bool = True
) -> TrainResult:
    """Train ``adapted.backend.model`` in place on ``train``; afterwards it holds the best validated weights.
    ``answer_only_logits`` computes the LM head on answer positions only (see training/loss.py); methods that
    change sequence positions (virtual tokens) must turn it off. ``launcher: accelerate`` trains the same steps
    data-parallel in local processes (training/launch.py) and brings the weights back here."""
    backend, model = adapted.backend, adapted.backend.model
    features = [_features(adapted, item) for item in train]
    progress = TrainProgress(f"{adapted.method}: training")

    def log(step: int, name: str, value: float) -> None:
        ctx.log_metric(step, name, value)
        if name == "validation":
            progress.note_validation(value)

    def validate() -> float:
        return ctx.validate(adapted)

    arguments = training_arguments(settings, ctx, backend.placement)
    if settings.launcher == "accelerate":
        job = Job.of(model, backend.tokenizer, features, arguments, settings, ctx, answer_only_logits)
        return TrainResult(**train_launched(job, model, validate, log, [LogToStore(ctx.log_metric), progress]))
    arguments["output_dir"] = arguments["output_dir"] or tempfile.mkdtemp(prefix="tunewise-trainer-")
    best = BestOnTaskMetric(model, validate=validate, every=settings.eval_every, patience=settings.patience, log=log)
    budget = TimeBudget(ctx.budget.max_train_minutes)
    tokens = TokenCount()
    resumable = {"best": best, "budget": budget, "tokens": tokens}
    callbacks = [best, budget, LogToStore(ctx.log_metric), progress, SaveTrainingState(resumable)]
    trainer = task_trainer(
        model, backend.tokenizer, features, TrainingArguments(**arguments), settings.batch_size,
        answer_only_logits, callbacks, tokens,
    )  # fmt: skip
    if ctx.resume_from:
        restore_training_state(resumable, ctx.resume_from)
    model.train()
    output = trainer.train(resume_from_checkpoint=str(ctx.resume_from) if ctx.resume_from else None)
    model.eval()
    return train_result(output.global_step, best, budget, tokens, ctx.resume_from)


def task_trainer(
    model, tokenizer, features, args: TrainingArguments, batch_size: int, answer_only_logits: bool, callbacks, tokens
) -> TaskTrainer:
    """The Trainer every process builds alike: one process here, each rank in training/rank.py."""
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    trainer = TaskTrainer(
        model=model,
        args=args,
        train_dataset=features,
        data_collator=KeepAnswerLogits(collator) if answer_only_logits else collator,
        compute_loss_func=answer_only_loss if answer_only_logits else None,
        callbacks=callbacks,
        tokens=tokens,
        batch_size=batch_size,
    )
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    return trainer


def train_result(steps: int, best: BestOnTaskMetric, budget: TimeBudget, tokens: TokenCount, resumed) -> TrainResult:
    """What a training run reports, from its parts (``resumed``: the checkpoint it continued, or None)."""
    return TrainResult(
        steps=steps,
        seconds=budget.spent,
        best_step=best.best_step,
        best_validation=best.best_score,
        stopped_early=best.stopped_early,
        budget_exhausted=budget.exhausted,
        train_tokens=tokens.real,
        padding_fraction=tokens.padding_fraction,
        validation_history=best.history,
        resumed_from_step=checkpoint_step(resumed) if resumed else None,
        seconds_before_resume=budget.spent_before,
    )


def _features(adapted: Adapted, item: Item) -> dict[str, list[int]]:
    """Token ids of one training example; the prompt is fitted to leave room for its whole answer."""
    answer = adapted.program.answer_for(item.target)
    room = adapted.backend.count_tokens(answer) + len(adapted.backend.answer_suffix())
    return adapted.backend.training_features(adapted.prompt(item.input, reserve=room), answer)


SCHEDULES = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}


def training_arguments(settings: TrainSettings, ctx: FitContext, placement: Placement) -> dict:
    """TrainingArguments' values, as a dict that a launched rank can rebuild them from."""
    every = settings.checkpoint_every
    return dict(
        output_dir=str(ctx.checkpoint_dir) if ctx.checkpoint_dir else None,  # None: the caller picks a scratch one
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        num_train_epochs=settings.epochs,
        max_steps=ctx.budget.max_steps or -1,
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup,
        lr_scheduler_type=SCHEDULES[settings.schedule],
        # Batches of similar length waste little compute on padding (TaskTrainer's sampler, seeded per epoch).
        train_sampling_strategy="group_by_length",
        logging_steps=1,
        # Two kept: a kill while the newest is written leaves the previous one complete.
        save_strategy="steps" if every and ctx.checkpoint_dir else "no",
        save_steps=every or 500,
        save_total_limit=2,
        eval_strategy="no",
        report_to="none",
        seed=ctx.seed,
        data_seed=ctx.seed,
        # The device and precision the base was placed in (model.device / model.dtype), nothing else.
        use_cpu=placement.device.type == "cpu",
        bf16=placement.dtype == torch.bfloat16,
        fp16=placement.dtype == torch.float16,
        tf32=placement.device.type == "cuda" or None,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        disable_tqdm=True,  # TrainProgress draws the bar
    )
