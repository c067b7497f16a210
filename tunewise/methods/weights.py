"""What every method that trains weights shares: wrap the trained model as an Adapted and train it."""

from __future__ import annotations

from tunewise.methods.base import Adapted, FitContext
from tunewise.methods.prompt import base_program
from tunewise.training import train_causal_lm


def train_weights(
    method: str,
    base,
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
        save_weights=model.save_pretrained,
    )
    result = train_causal_lm(adapted, splits.train, config, ctx, answer_only_logits=answer_only_logits)
    adapted.details.update(result.as_details())
    return adapted
