"""A plain base model served as it is (``tunewise serve --model``), the way vLLM or llama.cpp's server serve one:
chat requests rendered with the model's own chat template and nothing added (an empty prompt program, a
generation task without stop sequences), raw completions with logprobs and echo for scoring remotely.

It is wrapped as a ``Served`` like a run, so every route, the batcher and streaming answer it unchanged."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tunewise.core.adapted import Adapted
from tunewise.core.errors import InputError, TunewiseError
from tunewise.core.prompt import PromptProgram
from tunewise.models.config import ModelConfig
from tunewise.models.device import resolve
from tunewise.models.load import load_base
from tunewise.models.packaged import MODELS
from tunewise.serve.catalog import Served
from tunewise.tasks.task import Task

DEFAULT_MAX_LENGTH = 2048  # prompt + answer, in tokens; lowered to the model's own context when that is shorter
DEFAULT_MAX_TOKENS = 256  # a chat answer's budget when the client sets none (at most half the context)
CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "n_ctx")


def base_config(model: str, max_length: int | None = None, device: str = "auto") -> tuple[str, ModelConfig]:
    """The model id and the ``ModelConfig`` for ``model``: a local Hugging Face folder (an existing directory
    wins over a packaged name) or a packaged model. Fails, before anything loads, with the fix in one line."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise TunewiseError(
                f"--model {model}: not a Hugging Face model folder (no config.json); "
                "point at a folder saved with save_pretrained, or give a packaged model name"
            )
        if not any(folder.glob("*.safetensors")):
            raise TunewiseError(
                f"--model {model}: the folder holds no safetensors weights (pickled weights can run code, so "
                "they are never served); convert them to safetensors"
            )
        folder = Path(os.path.abspath(folder))  # "." or "../x" named by the folder itself; links kept as given
        model_id, where = folder.name, {"path": str(folder)}
    elif model in MODELS:
        model_id, where = model, {"name": model}
    else:
        raise TunewiseError(
            f"--model {model}: no such folder and no packaged model of that name; give a Hugging Face model "
            f"folder or one of: {', '.join(MODELS.names())} (tunewise catalog lists them)"
        )
    try:
        config = ModelConfig(**where, max_length=max_length or DEFAULT_MAX_LENGTH, device=device)
    except ValueError as exc:
        raise TunewiseError(f"--device: {exc}") from None
    try:
        resolve(config.device, config.dtype)  # a device asked for and absent fails before anything loads
    except InputError as exc:
        raise TunewiseError(f"--device {device}: {exc.problem}; give --device auto (or cpu)") from None
    return model_id, config


def served_base(model: str, max_length: int | None = None, device: str = "auto", seed: int = 0) -> Served:
    """``model`` (a packaged name or a folder) loaded and wrapped to be served untuned. ``max_length``: the
    longest prompt + answer; by default 2048 tokens, or the model's own context when that is shorter. A
    ``max_length`` past the model's own context is refused (positions it never learned, or none at all)."""
    model_id, config = base_config(model, max_length, device)
    folder = Path(config.path) if config.path else MODELS.get(config.name).local_dir()
    context = model_context(folder)
    if context is not None:
        if max_length is None:
            config.max_length = min(DEFAULT_MAX_LENGTH, context)
        elif max_length > context:
            raise TunewiseError(
                f"--max-length {max_length} is past {model_id}'s own context of {context} tokens; "
                f"give --max-length {context} or less"
            )
    backend = load_base(config, seed)
    return wrap_base(backend, model_id, card=base_card(model_id, config, backend.max_length))


def wrap_base(backend, model_id: str, card: str = "") -> Served:
    """``backend`` as a served model: no prompt program (the client's messages through the model's chat
    template, nothing added), a generation task without stop sequences (the model's end of turn ends an
    answer) whose default answer budget is ``DEFAULT_MAX_TOKENS``, at most half the context."""
    task = Task(
        type="generation",
        template="{text}",
        target_field="text",
        labels=None,
        metric="exact_match",
        max_new_tokens=max(1, min(DEFAULT_MAX_TOKENS, backend.max_length // 2)),
        stop=(),
    )
    adapted = Adapted(method="base", backend=backend, program=PromptProgram())
    return Served(model_id, None, "", "base", adapted, task, created=int(time.time()), card=card)


def model_context(folder: Path) -> int | None:
    """The context length the model's config.json declares (its text model's, for a multimodal one)."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for section in (config, config.get("text_config") or {}):
        for key in CONTEXT_KEYS:
            value = section.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def base_card(model_id: str, config: ModelConfig, max_length: int) -> str:
    if config.name:
        packaged = MODELS.get(config.name)
        source = f"packaged model {config.name}: {packaged.description} (licence: {packaged.license})"
    else:
        source = f"the local folder {config.path} (licence: see the base model's own card)"
    lines = [
        f"# {model_id}",
        "",
        "**Outputs of this model are machine-generated.** Tell the people who read them.",
        "",
        "## What it is",
        f"- Base model: {source}",
        "- Not tuned: served as it is, by `tunewise serve --model`. No adapter, no prompt program, no instruction",
        "  added; chat messages go through the model's own chat template.",
        f"- Context served: {max_length} tokens (prompt + answer).",
        "",
        "## Known limits",
        "- Nothing about its quality has been measured here: run an experiment (`tunewise run`) to measure it",
        "  on your data against tuned alternatives.",
        "- Its answers are generated text: check them before anyone relies on them.",
    ]
    return "\n".join(lines) + "\n"
