"""`tunewise export`: a run in the formats other tools load, with its prompt program and model card.

- ``merged``: one Hugging Face folder (safetensors, tokenizer, chat template, generation config) that plain
  transformers loads with no tunewise installed: the base for prompt methods, LoRA merged into the weights, the
  trained network for full fine-tuning. Soft prompts are not weights and cannot be merged.
- ``adapter``: the PEFT adapter folder (LoRA or soft prompt), naming the base it goes over.
- ``gguf``: refused: no converter from Hugging Face weights to GGUF ships in a package registry (llama.cpp's
  convert_hf_to_gguf.py is a script in its source tree; the `gguf` package reads and writes the format only).

Every export holds ``tunewise_prompt.json`` (instruction, system prompt, demonstrations, label words, labels: what
reproduces the run's answers) and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tunewise.core.adapted import WEIGHTS, Adapted
from tunewise.core.errors import TunewiseError
from tunewise.core.fetch import atomic_write_text
from tunewise.core.home import make_shareable
from tunewise.serve.catalog import served_runs
from tunewise.store import Store

FORMATS = ("merged", "adapter", "gguf")


def export_run(store: Store, run_id: int, out: Path, fmt: str) -> Path:
    if fmt == "gguf":
        raise TunewiseError(
            "no GGUF converter ships in a package registry (llama.cpp's convert_hf_to_gguf.py is a source-tree "
            "script); export --format merged and convert that folder with llama.cpp"
        )
    if out.exists() and any(out.iterdir()):
        raise TunewiseError(f"{out} exists and is not empty; give a new folder with -o")
    run, experiment = store.run(run_id)
    (served,) = served_runs(store, str(run_id))
    if served.adapted.backend.bills_tokens:
        raise TunewiseError(
            f"run #{run_id} prompts {served.adapted.backend.name} behind an API: it has no weights to export; "
            f"its prompt program is in `tunewise show {run_id}`, and `tunewise serve {run_id}` serves it"
        )
    staging = out.with_name(f".{out.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        _write(served, Path(run.artifact_path), staging, fmt)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-written is left behind
        if isinstance(exc, OSError):
            raise TunewiseError(f"could not write the export to {out}: {exc.strerror or exc}") from None
        raise
    make_shareable(staging)  # an export is for handing on
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)  # never a half-written export under the name asked for
    return out


def _write(served, artifact: Path, out: Path, fmt: str) -> None:
    adapted, task = served.adapted, served.task
    (_merged if fmt == "merged" else _adapter)(adapted, artifact, out)
    prompt = {
        "task": task.type,
        "labels": task.labels,
        "stop": [] if adapted.program.reasoning else list(task.stop),
        "max_new_tokens": adapted.program.max_new_tokens or task.max_new_tokens,
        **adapted.program.to_dict(),
    }
    pool = artifact / "demo_pool.json"
    if pool.is_file():  # few-shot `similar`: the examples it chooses from, and how
        shutil.copy(pool, out / pool.name)
        prompt["demo_pool"] = {
            "file": pool.name,
            **{k: adapted.details.get(k) for k in ("encoder", "k", "nearest_last")},
        }
    atomic_write_text(out / "tunewise_prompt.json", json.dumps(prompt, indent=2))
    atomic_write_text(out / "MODEL_CARD.md", served.card)


def _merged(adapted: Adapted, artifact: Path, out: Path) -> None:
    backend = adapted.backend
    if (adapted.details.get("adapter") or {}).get("quantization"):
        raise TunewiseError(
            "a QLoRA adapter merged into its 4/8-bit base would need bitsandbytes and a GPU to load; "
            "use --format adapter (and load it over the full-precision base)"
        )
    if backend.prefix is not None:
        raise TunewiseError(
            f"{adapted.method} learned a soft prompt, which is not weights and cannot be merged; "
            "use --format adapter (PEFT loads it over the base)"
        )
    model = backend.model
    if hasattr(model, "merge_and_unload"):  # a PEFT adapter: fold it into a copy of the weights
        model = model.merge_and_unload()
    model.save_pretrained(out, safe_serialization=True)
    backend.tokenizer.save_pretrained(out)
    if model.generation_config is not None:
        model.generation_config.save_pretrained(out)


def _adapter(adapted: Adapted, artifact: Path, out: Path) -> None:
    weights = artifact / WEIGHTS
    if not (weights / "adapter_config.json").is_file():
        why = "it learned no weights" if not adapted.trainable_params else "its weights are a whole model"
        raise TunewiseError(f"{adapted.method} has no adapter to export ({why}); use --format merged")
    shutil.copytree(weights, out, dirs_exist_ok=True)
    config = json.loads((out / "adapter_config.json").read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = str(adapted.backend.source or adapted.backend.name)
    atomic_write_text(out / "adapter_config.json", json.dumps(config, indent=2))
    adapted.backend.tokenizer.save_pretrained(out)
