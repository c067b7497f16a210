"""What every method that trains weights shares: its checks, training it as an Adapted, and reading the
trained weights back from an artifact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tunewise.core.adapted import WEIGHTS, Adapted, FitContext, read_description
from tunewise.core.backend import TrainableBackend
from tunewise.core.errors import TunewiseError
from tunewise.core.prompt import PromptProgram
from tunewise.methods.prompt import base_program, check_prompt
from tunewise.training import TrainSettings, train_causal_lm


def check_training(config, task, splits) -> None:
    """Prompt settings and training settings against the task and data, before any model is loaded."""
    check_prompt(config, task)
    folds = config.cross_validation
    if folds and len(splits.train) < 2 * folds:
        raise TunewiseError(
            f"cross_validation {folds} needs at least {2 * folds} training examples, the training split has "
            f"{len(splits.train)}; lower it or add data"
        )


def training_folds(config: TrainSettings) -> int | None:
    return config.cross_validation


def train_weights(
    method: str,
    base: TrainableBackend,
    model,
    task,
    splits,
    config,
    ctx: FitContext,
    details: dict,
    answer_only_logits: bool = True,
    prefix=None,
    program=None,
) -> Adapted:
    """Train ``model`` (a copy of the base, possibly wrapped by PEFT) on the task's answers with the method's
    prompt program; its trainable parameters are counted and its weights saved (safetensors) with the artifact.
    ``prefix``: the learned prefix of a soft-prompt model, which then reads every prompt after it.
    ``program``: the prompt to train and serve with (default: the one the method's settings describe)."""
    adapted = Adapted(
        method=method,
        backend=base.with_model(model, prefix),
        program=program or base_program(config, task),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        details=details,
        save_files=lambda folder: model.save_pretrained(folder / WEIGHTS),
    )
    result = train_causal_lm(adapted, splits.train, config, ctx, answer_only_logits=answer_only_logits)
    adapted.details.update(result.as_details())
    return adapted


def load_weights(
    method: str,
    base: TrainableBackend,
    directory: Path,
    read_model: Callable[[Path], object],
    prefix=None,
    adapter: str | None = None,
) -> Adapted:
    """A trained method's artifact read back: ``read_model(weights folder)`` builds the trained network (an
    adapter over a copy of the base, or a whole model), served with the prompt program it was trained with.
    ``prefix(model)``: the learned prefix of a soft-prompt model."""
    description = read_description(directory)
    model = read_model(directory / WEIGHTS)
    model.eval()
    details = {k: v for k, v in description.items() if k not in ("method", "prompt", "trainable_params")}
    return Adapted(
        method=method,
        backend=base.with_model(model, prefix(model) if prefix else None, adapter),
        program=PromptProgram.from_dict(description["prompt"]),
        trainable_params=description["trainable_params"],
        details=details,
        save_files=lambda folder: model.save_pretrained(folder / WEIGHTS),
    )
