"""Training on ratings with TRL's trainers: ``DPOTrainer`` for preference pairs, ``KTOTrainer`` for single
judgments. The model is a PEFT model whose adapter is the start; TRL keeps a frozen copy of that adapter as the
reference (no second model in memory). tunewise renders each prompt the way a served request reads it and adds
its own time budget, progress bar and metric logging; the loop and the losses are TRL's."""

from __future__ import annotations

import contextlib
import random
import tempfile
import warnings

import torch
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from tunewise.core.adapted import Adapted, FitContext
from tunewise.methods.dpo.preferences import Preferences
from tunewise.methods.dpo.settings import DpoSettings
from tunewise.training.callbacks import LogToStore, TimeBudget, TrainProgress

REFERENCE = "ref"  # the adapter TRL adds as the frozen reference when it is given a PEFT model

# TRL's configs set transformers' deprecated `gradient_checkpointing` alias themselves: not actionable here.
warnings.filterwarnings("ignore", message="`gradient_checkpointing` is deprecated", category=FutureWarning)


def train_on_ratings(adapted: Adapted, preferences: Preferences, config: DpoSettings, ctx: FitContext) -> dict:
    """Train ``adapted``'s adapter in place; returns what the training did (steps, time, tokens, TRL's last
    logged rewards)."""
    # trl (and datasets under it) take seconds to import and only dpo needs them: imported when it trains.
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer, KTOConfig, KTOTrainer

    model = adapted.backend.model
    limit = min(config.max_length or adapted.backend.max_length, adapted.backend.max_length)
    added = _added_prefix(adapted.backend.tokenizer)
    rows = [_trl_row(adapted, row, limit, added) for row in preferences.rows]
    if preferences.loss == "kto":
        # KTO estimates its KL term from each judgment's neighbours in a fixed-order batch (TRL requires sequential
        # sampling); an export lists a prompt's two answers side by side, so the order is shuffled once.
        random.Random(ctx.seed).shuffle(rows)
    trainer_class, config_class = (DPOTrainer, DPOConfig) if preferences.loss == "dpo" else (KTOTrainer, KTOConfig)
    budget, progress = TimeBudget(ctx.budget.max_train_minutes), TrainProgress(f"dpo: {preferences.loss} training")
    with _quiet_datasets():  # TRL tokenizes with datasets' map, which draws a bar per pass
        trainer = trainer_class(
            model=model,
            args=config_class(**_arguments(config, ctx, adapted, limit, preferences.loss)),
            train_dataset=Dataset.from_list(rows),
            processing_class=adapted.backend.tokenizer,
            callbacks=[budget, LogToStore(ctx.log_metric), progress],
        )
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    output = trainer.train()
    model.eval()
    if REFERENCE in model.peft_config:  # the frozen start served only training; the artifact holds the tuned adapter
        model.delete_adapter(REFERENCE)
    logged = _last_logged(trainer.state.log_history)
    return {
        "steps": output.global_step,
        "seconds": budget.spent,
        "budget_exhausted": budget.exhausted,
        "train_tokens": int(logged.get("num_tokens", 0)),
        "trl": {name: value for name, value in logged.items() if name.startswith(("rewards/", "logps/", "kl"))},
    }


def _trl_row(adapted: Adapted, row: dict, limit: int, added: str) -> dict:
    """One rating as TRL reads it: the prompt rendered by the program being tuned and fitted (like a served one)
    to leave room for the longest answer within ``limit`` tokens, less the ``added`` text TRL's tokenizer call
    puts back; TRL adds the end-of-text token to answers."""
    backend = adapted.backend
    answers = [row[name] for name in ("chosen", "rejected", "completion") if name in row]
    room = max(backend.count_tokens(a) for a in answers) + len(backend.answer_suffix())
    prompt = adapted.prompt(row["prompt"], reserve=room + backend.max_length - limit)
    return {**row, "prompt": prompt.removeprefix(added)}


def _added_prefix(tokenizer) -> str:
    """The text of the special tokens the tokenizer puts before whatever it encodes (a BOS for Llama or Gemma;
    nothing for most chat models). TRL tokenizes plain text with them, and a rendered chat prompt already starts
    with them: removed from the text, the tokens TRL trains on are the ones tunewise serves."""
    plain, full = tokenizer("a", add_special_tokens=False)["input_ids"], tokenizer("a")["input_ids"]
    added = len(full) - len(plain)
    return tokenizer.decode(full[:added]) if added > 0 and full[added:] == plain else ""


def _arguments(config: DpoSettings, ctx: FitContext, adapted: Adapted, limit: int, loss: str) -> dict:
    placement = adapted.backend.placement
    return {
        "output_dir": str(ctx.checkpoint_dir) if ctx.checkpoint_dir else tempfile.mkdtemp(prefix="tunewise-dpo-"),
        "per_device_train_batch_size": config.batch_size,
        "num_train_epochs": config.epochs,
        "max_steps": ctx.budget.max_steps or -1,
        "learning_rate": config.learning_rate,
        "beta": config.beta,
        "max_length": limit,
        # The adapter's dropout is a setting; TRL's default would switch it (and the base's) off.
        "disable_dropout": False,
        "gradient_checkpointing": False,  # preference sets are short: memory is not the limit, time is
        # Rating sets are small and retrained in minutes: no resumable checkpoints.
        "save_strategy": "no",
        "logging_steps": 1,
        "report_to": "none",
        "seed": ctx.seed,
        "data_seed": ctx.seed,
        # The device and precision the base was placed in, nothing else (TRL would default to bf16).
        "use_cpu": placement.device.type == "cpu",
        "bf16": placement.dtype == torch.bfloat16,
        "fp16": placement.dtype == torch.float16,
        "dataloader_num_workers": 0,
        "disable_tqdm": True,  # TrainProgress draws the bar
        **({"train_sampling_strategy": "sequential"} if loss == "kto" else {}),
    }


def _last_logged(history: list[dict]) -> dict:
    """The last value TRL logged of each training metric."""
    last = {}
    for entry in history:
        last |= {name: value for name, value in entry.items() if isinstance(value, int | float)}
    return last


@contextlib.contextmanager
def _quiet_datasets():
    from datasets.utils import logging as datasets_logging  # deferred with trl (see train_on_ratings)

    shown = datasets_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            datasets_logging.enable_progress_bar()
