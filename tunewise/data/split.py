"""Deterministic, stratified train/validation/test splits."""

from __future__ import annotations

import random
from collections import defaultdict

from tunewise.core.items import Item, Splits


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
    quotas = {key: limit * len(group) / len(items) for key, group in groups.items()}
    counts = {key: int(q) for key, q in quotas.items()}
    by_remainder = sorted(quotas, key=lambda k: (quotas[k] - counts[k], k), reverse=True)
    for key in by_remainder[: limit - sum(counts.values())]:
        counts[key] += 1
    rng = random.Random(seed)
    chosen = []
    for key in sorted(groups):
        chosen += rng.sample(groups[key], counts[key])
    rng.shuffle(chosen)
    return chosen


def _groups(items: list[Item], stratify: bool) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.target if stratify else ""].append(item)
    return groups
