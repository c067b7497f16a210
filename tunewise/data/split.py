"""Deterministic, stratified train/validation/test splits, subsets, and seeded samples of streams too large to
hold."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from tunewise.core.items import Item, Splits

T = TypeVar("T")


def split_examples(items: list[Item], validation: float, test: float, seed: int, stratify: bool) -> Splits:
    """Split each label's examples in the same proportions (or all together when not stratifying)."""
    groups = _groups(items, stratify)
    parts: dict[str, list[Item]] = {"train": [], "validation": [], "test": []}
    rng = random.Random(seed)
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        n_test, n_val = round(len(group) * test), round(len(group) * validation)
        parts["test"] += group[:n_test]
        parts["validation"] += group[n_test : n_test + n_val]
        parts["train"] += group[n_test + n_val :]
    for part in parts.values():
        rng.shuffle(part)
    return Splits(**parts)


def subsample(items: list[Item], limit: int | None, seed: int, stratify: bool) -> list[Item]:
    """At most ``limit`` items, keeping label proportions (largest remainders) and a seeded order."""
    if limit is None or limit >= len(items):
        return items
    groups = _groups(items, stratify)
    counts = _quotas({key: len(group) for key, group in groups.items()}, limit)
    rng = random.Random(seed)
    chosen = []
    for key in sorted(groups):
        chosen += rng.sample(groups[key], counts[key])
    rng.shuffle(chosen)
    return chosen


def sample_stream(items: Iterable[T], size: int, seed: int, key: Callable[[T], Hashable]) -> tuple[list[T], Counter]:
    """A seeded sample of at most ``size`` items of a stream read once, in the proportions of ``key`` (the
    label) across the whole stream; and how many items had each key.

    Holds at most ``size`` items per key (one reservoir each), never the stream."""
    rng = random.Random(seed)
    kept: dict[Hashable, list[T]] = defaultdict(list)
    seen: Counter = Counter()
    for item in items:
        group = key(item)
        seen[group] += 1
        reservoir = kept[group]
        if len(reservoir) < size:
            reservoir.append(item)
        elif (slot := rng.randrange(seen[group])) < size:
            reservoir[slot] = item
    counts = _quotas(dict(seen), min(size, seen.total()))
    chosen = []
    for group in sorted(kept, key=str):
        chosen += rng.sample(kept[group], counts[group])
    return chosen, seen


def _quotas(sizes: dict, limit: int) -> dict:
    """``limit`` shared out in proportion to ``sizes`` (largest remainders, ties by key)."""
    total = sum(sizes.values())
    quotas = {key: limit * n / total for key, n in sizes.items()}
    counts = {key: int(q) for key, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda k: (quotas[k] - counts[k], str(k)), reverse=True)
    for key in by_remainder[: limit - sum(counts.values())]:
        counts[key] += 1
    return counts


def _groups(items: list[Item], stratify: bool) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.target if stratify else ""].append(item)
    return groups
