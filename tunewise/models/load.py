"""Load a base model from the experiment's model section."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from tunewise.core.backend import Backend
from tunewise.core.errors import InputError
from tunewise.models.api import load_api
from tunewise.models.api.text import estimate_tokens
from tunewise.models.config import ModelConfig
from tunewise.models.device import hardware_name, resolve
from tunewise.models.hf import HFBackend
from tunewise.models.packaged import MODELS
from tunewise.models.safe import check_weights, load_causal_lm, load_tokenizer

GPU_BATCH_TOKENS = 32768


def model_dir(config: ModelConfig) -> tuple[str, Path]:
    if config.path:
        path = Path(config.path).expanduser()
        if not (path / "config.json").exists():
            raise InputError(
                "not a Hugging Face model directory (no config.json)",
                field="model.path",
                value=str(path),
                fix="point at a folder saved with save_pretrained, or use model.name",
            )
        check_weights(path, config.allow_pickle)
        return path.name, path
    return config.name, MODELS.get(config.name).local_dir()


def load_base(config: ModelConfig, seed: int = 0) -> Backend:
    """A local model (loaded onto its device) or a model behind an OpenAI-compatible server."""
    if config.api:
        return load_api(config.api, config.max_length)
    return load_local(config, seed)


def load_local(config: ModelConfig, seed: int = 0) -> HFBackend:
    placement = resolve(config.device, config.dtype)  # a device asked for and absent fails before any loading
    name, path = model_dir(config)
    started = time.perf_counter()
    print(f"tunewise: loading model {name} from {path}", file=sys.stderr)
    torch.manual_seed(seed)
    tokenizer = load_tokenizer(path)
    model = load_causal_lm(path, config.allow_pickle, dtype=placement.dtype).to(placement.device)
    where = f"{placement.device} ({hardware_name(placement.device)}), {placement.dtype_name}"
    print(f"tunewise: model loaded in {time.perf_counter() - started:.1f} s on {where}", file=sys.stderr)
    backend = HFBackend(
        model, tokenizer, name=name, max_length=config.max_length, batch_size=config.batch_size, placement=placement
    )
    backend.source = path  # methods that reload the weights differently (QLoRA's 4-bit copy) read it here
    # A GPU is fed by tokens, not rows: a fixed 8 short prompts leave it idle. On the CPU 8 rows measured best.
    auto = GPU_BATCH_TOKENS if placement.is_gpu else None
    backend.batch_tokens = auto if config.batch_tokens == "auto" else config.batch_tokens
    return backend


def prompt_token_counter(config: ModelConfig, instruction: str, system: str | None):
    """Tokens an example needs with a plain prompt applied (the model's chat template, the task's instruction)
    plus its answer; loads only the tokenizer, so data checks run before any model does. An API model's tokenizer
    is not known here: its counts are estimates."""
    if config.api:
        return lambda text, answer: estimate_tokens(f"{instruction}\n\n{text}") + estimate_tokens(answer) + 8
    tokenizer = load_tokenizer(model_dir(config)[1])
    backend = HFBackend(None, tokenizer, name="tokenizer", max_length=config.max_length)
    lead = [{"role": "system", "content": system}] if system else []

    def needed(text: str, answer: str) -> int:
        content = f"{instruction}\n\n{text}" if instruction else text
        prompt = backend.render([*lead, {"role": "user", "content": content}])
        return backend.count_tokens(prompt) + backend.count_tokens(answer) + 1

    return needed
