"""dpo's own details for `tunewise show`: the preference margin and the test score, at the start and after."""

from __future__ import annotations

from pathlib import Path

from tunewise.core.sections import Section

MARGIN_ROWS = {
    "dpo": [
        ("margin", "preference margin: log p(chosen) - log p(rejected)"),
        ("chosen", "log p(chosen)"),
        ("rejected", "log p(rejected)"),
    ],
    "kto": [
        ("margin", "preference margin: good answers - bad answers"),
        ("desirable", "log p(good answer)"),
        ("undesirable", "log p(bad answer)"),
    ],
}


def dpo_sections(details: dict) -> list[Section]:
    ratings, margin, test = details.get("preferences"), details.get("margin"), details.get("test")
    if not ratings or not margin:
        return []
    start = details.get("start_from")
    origin = f"{start['method_id']}'s adapter" if start else "a new adapter on the base model"
    noun = "pairs" if ratings["loss"] == "dpo" else "judgments"
    title = (
        f"{ratings['loss'].upper()} on {ratings['rows']} rated {noun} ({Path(ratings['file']).name}, "
        f"beta {ratings['beta']:g}), starting from {origin}"
    )
    rows = [
        [label, _number(margin["before"][key]), _number(margin["after"][key]), _change(margin, key)]
        for key, label in MARGIN_ROWS[ratings["loss"]]
    ]
    if test:
        verdict = "significant" if test["p_value"] < 0.05 else "not significant"
        change = f"{test['gain']:+.3f} (McNemar p={test['p_value']:.3g}, {verdict})"
        rows.append([f"test {test['metric']}", f"{test['start']:.3f}", f"{test['tuned']:.3f}", change])
    return [Section(title, ["", "start", "after training", "change"], rows)]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _change(margin: dict, key: str) -> str:
    before, after = margin["before"][key], margin["after"][key]
    return "-" if before is None or after is None else f"{after - before:+.3f}"
