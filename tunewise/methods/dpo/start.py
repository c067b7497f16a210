"""Where dpo's training starts: a new LoRA adapter on the base model (zero at first, so the start is the base
itself), or another method's trained LoRA adapter with the prompt program it was trained and measured with.

Before training, the adapter being tuned *is* the start, so the start is measured on that very model (no second
copy of the weights), and TRL's reference model is a frozen copy of the same adapter."""

from __future__ import annotations

from tunewise.core.adapted import WEIGHTS, Adapted, FitContext, read_description
from tunewise.core.errors import TunewiseError
from tunewise.core.prompt import PromptProgram
from tunewise.methods.dpo.settings import DpoSettings
from tunewise.methods.lora import LoraSettings
from tunewise.methods.lora.method import lora_model
from tunewise.methods.prompt import base_program
from tunewise.models.safe import load_adapter


def start_model(base, task, config: DpoSettings, ctx: FitContext) -> Adapted:
    """The model dpo tunes in place, as it is before training; ``details`` say what it started from."""
    if config.start_from is None:
        settings = LoraSettings(
            r=config.r, alpha=config.alpha, dropout=config.dropout, target_modules=list(config.target_modules)
        )
        model, adapter = lora_model(base, settings)
        program, origin = base_program(config, task), None
    else:
        directory = ctx.prior_artifact(config.start_from)
        description = read_description(directory)
        adapter = _lora_adapter(config.start_from, description)
        model = load_adapter(base.model, directory / WEIGHTS, trainable=True)
        program = PromptProgram.from_dict(description["prompt"])
        origin = {"method_id": config.start_from, "method": description["method"], "artifact": str(directory)}
    model.eval()  # measured as the start first (a trainable adapter loads in training mode, its dropout on)
    return Adapted(
        method="dpo",
        backend=base.with_model(model),
        program=program,
        details={"adapter": adapter, "start_from": origin},
        save_files=lambda folder: model.save_pretrained(folder / WEIGHTS),
    )


def _lora_adapter(method_id: str, description: dict) -> dict:
    """The adapter a stored run holds, when dpo can tune it further."""
    adapter = description.get("adapter")
    if not adapter:
        raise TunewiseError(
            f"start_from {method_id!r}: its run ({description.get('method')}) holds no LoRA adapter to tune; start "
            "from a LoRA method (lora, hybrid, distill, dpo) or remove start_from"
        )
    if adapter.get("quantization"):
        raise TunewiseError(
            f"start_from {method_id!r}: a QLoRA adapter ({adapter['quantization']}) belongs to its k-bit base, which "
            "dpo does not load; start from a LoRA run without quantization"
        )
    return adapter
