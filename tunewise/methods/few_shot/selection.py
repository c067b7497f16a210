"""How few_shot picks its examples: seeded random, balanced across labels, or the training examples nearest to
each request by sentence embedding (chosen per request, so the prompt prefix is no longer shared)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from tunewise.core.fetch import atomic_write_text
from tunewise.core.items import Item
from tunewise.core.prompt import Demo

POOL = "demo_pool.json"  # the training examples selection: similar chooses from, saved with the artifact


def save_pool(path: Path, train: list[Item]) -> None:
    rows = [{"input": item.input, "target": item.target, "origin": item.origin} for item in train]
    atomic_write_text(path, json.dumps(rows))


def load_pool(path: Path) -> list[Item]:
    return [Item(row["input"], row["target"], row["origin"]) for row in json.loads(path.read_text("utf-8"))]


def random_demos(train: list[Item], k: int, rng: random.Random) -> list[Item]:
    return rng.sample(train, k)


def balanced_demos(train: list[Item], k: int, rng: random.Random) -> list[Item]:
    """Round-robin over labels (in a seeded order), so no label is missing or over-represented."""
    by_label: dict[str, list[Item]] = defaultdict(list)
    for item in train:
        by_label[item.target].append(item)
    pools = [rng.sample(items, len(items)) for _, items in sorted(by_label.items())]
    rng.shuffle(pools)
    chosen: list[Item] = []
    while len(chosen) < k:
        for pool in pools:
            if pool and len(chosen) < k:
                chosen.append(pool.pop())
    return chosen


class NearestDemos:
    """Per request: the ``k`` training examples whose embeddings are closest (cosine) to the input.
    ``nearest_last`` puts the most similar example right before the request, where models weigh it most."""

    def __init__(self, train: list[Item], k: int, embed, nearest_last: bool = True):
        self.train, self.k, self.embed, self.nearest_last = train, k, embed, nearest_last
        self.vectors = embed([item.input for item in train])

    def __call__(self, input_text: str) -> list[Demo]:
        query = self.embed([input_text])[0]
        similarity = self.vectors @ query
        # An input identical to a training example (leakage) must not be shown its own answer.
        similarity[[i for i, item in enumerate(self.train) if item.input == input_text]] = -np.inf
        nearest = np.argsort(-similarity, kind="stable")[: self.k]
        order = nearest[::-1] if self.nearest_last else nearest
        return [(self.train[i].input, self.train[i].target) for i in order]
