"""Load a base model from the experiment's model section."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tunewise.config import ModelConfig
from tunewise.errors import InputError
from tunewise.models.hf import HFBackend
from tunewise.models.packaged import MODELS


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
        _check_weights(path, config.allow_pickle)
        return path.name, path
    return config.name, MODELS.get(config.name).local_dir()


PICKLED = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.ckpt")


def _check_weights(path: Path, allow_pickle: bool) -> None:
    """Pickled weights can execute code when loaded: only safetensors, unless the user opts in."""
    if allow_pickle or any(path.glob("*.safetensors")):
        return
    pickled = sorted(p.name for pattern in PICKLED for p in path.glob(pattern))
    raise InputError(
        f"holds no safetensors weights{f' (only pickled: {pickled[0]})' if pickled else ''}",
        field="model.path",
        value=str(path),
        fix="convert the weights to safetensors, or set model.allow_pickle: true if you trust where they came from",
    )


def load_base(config: ModelConfig, seed: int = 0) -> HFBackend:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name, path = model_dir(config)
    started = time.perf_counter()
    print(f"tunewise: loading model {name} from {path}", file=sys.stderr)
    torch.manual_seed(seed)
    # Only safetensors (unless allowed), and never code shipped with a model.
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        model = AutoModelForCausalLM.from_pretrained(
            path, dtype=torch.float32, use_safetensors=None if config.allow_pickle else True, trust_remote_code=False
        )
    except (OSError, ValueError) as exc:
        raise InputError(
            f"could not be loaded: {str(exc).splitlines()[0]}",
            field="model",
            value=str(path),
            fix="use a standard transformers model folder; tunewise never runs code shipped with a model",
        ) from None
    model.eval()
    print(f"tunewise: model loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    backend = HFBackend(model, tokenizer, name=name, max_length=config.max_length, batch_size=config.batch_size)
    backend.source = path  # methods that reload the weights differently (QLoRA's 4-bit copy) read it here
    return backend


def prompt_token_counter(config: ModelConfig, instruction: str, system: str | None):
    """Tokens an example needs with a plain prompt applied (the model's chat template, the task's instruction)
    plus its answer; loads only the tokenizer, so data checks run before any model does."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir(config)[1])
    backend = HFBackend(None, tokenizer, name="tokenizer", max_length=config.max_length)
    lead = [{"role": "system", "content": system}] if system else []

    def needed(text: str, answer: str) -> int:
        content = f"{instruction}\n\n{text}" if instruction else text
        prompt = backend.render([*lead, {"role": "user", "content": content}])
        return backend.count_tokens(prompt) + backend.count_tokens(answer) + 1

    return needed
