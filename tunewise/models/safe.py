"""The one way tunewise reads any part of a model (tokenizer, network, adapter) from disk: safetensors only
unless the user opts in, never code shipped with a model, and a failure is one line naming the folder.

Pickled weights (.bin/.pt) can execute code when loaded, and a folder whose config has an ``auto_map`` asks
transformers to import Python files from it; neither may happen because someone pointed tunewise at a folder.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from peft import PeftModel
from safetensors import SafetensorError
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

from tunewise.core.errors import InputError

PICKLED = ("*.bin", "*.pt", "*.pth", "*.pkl", "*.ckpt")
FIX = "use a standard transformers model folder; tunewise never runs code shipped with a model"


def check_weights(path: Path, allow_pickle: bool, field: str = "model.path") -> None:
    """Refuse a folder without safetensors weights, unless pickled ones are allowed."""
    if allow_pickle or any(path.glob("*.safetensors")):
        return
    pickled = sorted(p.name for pattern in PICKLED for p in path.glob(pattern))
    raise InputError(
        f"holds no safetensors weights{f' (only pickled: {pickled[0]})' if pickled else ''}",
        field=field,
        file=str(path),
        fix="convert the weights to safetensors, or set model.allow_pickle: true if you trust where they came from",
    )


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")


def load_tokenizer(path: Path, field: str = "model"):
    if path.is_dir() and not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise InputError(
            f"holds no tokenizer (none of {', '.join(TOKENIZER_FILES)})",
            field=field,
            file=str(path),
            fix="save the model's tokenizer into the folder (tokenizer.save_pretrained(folder))",
        )
    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except (OSError, ValueError, TypeError, EOFError) as exc:
        raise _unloadable(exc, path, field, "its tokenizer") from None


def load_causal_lm(path: Path, allow_pickle: bool = False, field: str = "model", dtype=torch.float32):
    check_weights(path, allow_pickle, field)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            path,
            dtype=dtype,
            attn_implementation="sdpa",  # PyTorch's fused attention on every device
            use_safetensors=None if allow_pickle else True,
            trust_remote_code=False,
        )
    except SafetensorError as exc:
        raise InputError(
            f"its weights file is damaged ({exc})",
            field=field,
            file=str(path),
            fix="copy or download the model again, or re-save it with save_pretrained",
        ) from None
    except (OSError, ValueError, TypeError, EOFError) as exc:
        raise _unloadable(exc, path, field, "its weights") from None
    model.eval()
    return model


def load_encoder(path: Path, field: str = "encoder"):
    """A sentence encoder (a plain transformers model without an LM head), safetensors only."""
    check_weights(path, allow_pickle=False, field=field)
    try:
        return AutoModel.from_pretrained(path, use_safetensors=True, trust_remote_code=False).eval()
    except (OSError, ValueError, TypeError, EOFError) as exc:
        raise _unloadable(exc, path, field, "the encoder") from None


def load_adapter(
    base_model,
    path: Path,
    field: str = "artifact",
    copy_base: bool = True,
    name: str = "default",
    trainable: bool = False,
):
    """PEFT weights (LoRA, soft prompts) from ``path`` over a copy of ``base_model``, which stays untouched
    (``copy_base=False``: over ``base_model`` itself, a model made for this adapter). ``trainable``: the adapter
    is trained further (a method that starts from another's adapter)."""
    check_weights(path, allow_pickle=False, field=field)
    try:
        model = copy.deepcopy(base_model) if copy_base else base_model
        return PeftModel.from_pretrained(model, path, adapter_name=name, is_trainable=trainable)
    except (OSError, ValueError, TypeError, KeyError, SafetensorError) as exc:
        raise _unloadable(exc, path, field, "its adapter") from None


def add_adapter(peft_model, path: Path, name: str, field: str = "artifact") -> None:
    """One more adapter into a PEFT model that holds several, over the same base weights."""
    check_weights(path, allow_pickle=False, field=field)
    try:
        peft_model.load_adapter(path, adapter_name=name, is_trainable=False)
    except (OSError, ValueError, TypeError, KeyError, SafetensorError) as exc:
        raise _unloadable(exc, path, field, "its adapter") from None


def _unloadable(exc: Exception, path: Path, field: str, part: str) -> InputError:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return InputError(f"{part} could not be loaded: {first}", field=field, file=str(path), fix=FIX)
