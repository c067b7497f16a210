"""A model card that says honestly what an exported or served run is: its base, method and settings, the data it
learned from, its test metrics with intervals, the comparison it won, its known limits, and that its outputs
are machine-generated."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from tunewise import __version__
from tunewise.core.format import human_count
from tunewise.models.packaged import MODELS


def model_card(run, experiment: str, snapshot: dict, decision=None) -> str:
    model = snapshot.get("model") or {}
    base = model.get("name") or model.get("path") or "unknown"
    licence = MODELS.get(model["name"]).license if model.get("name") in MODELS else "see the base model's own card"
    measured = run.measured
    lines = [
        f"# {experiment}/{run.method_id}",
        "",
        "**Outputs of this model are machine-generated.** Tell the people who read them.",
        "",
        "## What it is",
        f"- Base model: {base} (licence: {licence})",
        f"- Method: {run.method}; trainable parameters: {human_count(run.cost.get('trainable_params', 0))}",
        f"- Settings: `{_settings(run.config)}`",
        f"- Built by tunewise {run.code_version} (run #{run.id}) on "
        f"{(run.cost.get('device') or {}).get('hardware', 'an unrecorded device')}; card written "
        f"{datetime.now(UTC):%Y-%m-%d} by tunewise {__version__}.",
        "",
        "## Data",
        *_data(snapshot, run),
        "",
        "## Quality on the held-out test split",
        *[
            f"- {name}: {score['value']:.3f} (95% CI {score['low']:.3f}-{score['high']:.3f})"
            for name, score in run.metrics.items()
        ],
        *_measured(measured),
        "",
        "## The comparison",
        *_comparison(decision, run),
        "",
        "## Known limits",
        f"- Measured on {run.split_sizes.get('test')} test examples from the same source as its training data; "
        "quality on other data is unknown.",
        *(
            ["- It answers only with its labels; it cannot say that none fits."]
            if (run.details or {}).get("task", {}).get("type", "classification") == "classification"
            else ["- Its answers are generated text: check them before anyone relies on them."]
        ),
        "- Personal data in its training data was "
        + (
            "replaced by placeholders (data.redact)." if (snapshot.get("data") or {}).get("redact") else "not redacted."
        ),
    ]
    return "\n".join(lines) + "\n"


def _settings(config: dict) -> str:
    shown = {k: v for k, v in config.items() if v not in (None, [], {}, "")}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))


def _data(snapshot: dict, run) -> list[str]:
    data = snapshot.get("data") or {}
    sources = [data[k] for k in ("dataset", "path") if data.get(k)] + list((data.get("splits") or {}).values())
    lines = [f"- Source: {source}{_digest(source)}" for source in sources if source]
    sizes = run.split_sizes
    lines.append(
        f"- Examples: {sizes.get('train')} train, {sizes.get('validation')} validation, {sizes.get('test')} test"
    )
    return lines


def _digest(source: str) -> str:
    path = Path(source)
    if not path.is_file():
        return " (catalog dataset)" if "/" not in source else ""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return f" (the file as it is now: sha256 {digest.hexdigest()[:16]}…, {path.stat().st_size:,} bytes)"


def _measured(measured) -> list[str]:
    out = []
    if measured.stability:
        s = measured.stability
        out.append(f"- Under reworded prompts: {s['mean']:.3f} ± {s['std']:.3f}, worst {s['worst']:.3f}")
    if measured.forgetting:
        f = measured.forgetting
        out.append(
            f"- General-text perplexity {f['before']:.1f} before tuning, {f['after']:.1f} after ({f['change']:+.1%})"
        )
    gap = (measured.bias or {}).get("gap")
    if gap:
        real = "a real gap" if gap["real"] else "not distinguishable from none"
        span = f"{gap['value']:+.3f} [{gap['low']:+.3f}, {gap['high']:+.3f}]"
        out.append(f"- Bias probe: {gap['best']} vs {gap['worst']} {span}, {real}")
    return out


def _comparison(decision, run) -> list[str]:
    if decision is None or not decision.candidates:
        return ["- Not compared."]
    if all(c.run_id != run.id for c in decision.candidates):
        return ["- Not among the runs the experiment's latest decision compared (a newer run replaced it)."]
    chosen = decision.recommended
    if chosen is None:
        verdict = "No method met the constraints."
    elif chosen.run_id == run.id:
        verdict = "It was recommended."
    else:
        verdict = f"It was not the recommendation ({chosen.method_id} was)."
    others = ", ".join(f"{c.method_id} {c.value:.3f}" for c in decision.candidates if c.run_id != run.id)
    reasons = [f"- {r}" for r in decision.reasons[1:]] if chosen and chosen.run_id == run.id else []
    return [f"- {verdict} Compared on the same test split with: {others or 'nothing else'}.", *reasons]
