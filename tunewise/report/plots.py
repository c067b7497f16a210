"""The report's figures (plotly): quality vs cost with the Pareto front, total cost vs volume, learning curves,
stability spread and confusion matrices. Each returns an HTML fragment; plotly.js is embedded once per page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from tunewise.core.format import usd
from tunewise.decide.decision import Decision

CONFIG = {"displaylogo": False, "responsive": True}
LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 60, "b": 50}}


def fragment(figure: go.Figure, height: int = 420) -> str:
    figure.update_layout(**LAYOUT, height=height)
    return pio.to_html(figure, full_html=False, include_plotlyjs=False, config=CONFIG)


def quality_vs_cost(decision: Decision) -> str:
    volume = decision.settings.lifetime_requests
    figure = go.Figure()
    for c in decision.candidates:
        total = decision.lifetime_usd(c)
        chosen = c is decision.recommended
        figure.add_trace(
            go.Scatter(
                x=[total],
                y=[c.value],
                error_y={"type": "data", "array": [c.high - c.value], "arrayminus": [c.value - c.low]},
                mode="markers+text",
                text=[c.method_id + (" ★" if chosen else "")],
                textposition="top center",
                marker={"size": 16 if chosen else 11, "symbol": "star" if chosen else "circle"},
                name=c.method_id,
                hovertemplate=(
                    f"<b>{c.method_id}</b><br>{c.metric} {c.value:.3f} [{c.low:.3f}, {c.high:.3f}]<br>"
                    f"build {usd(c.costs.build_usd)}, {usd(c.costs.usd_per_1k_requests)} per 1k requests<br>"
                    f"total {usd(total)}<extra></extra>"
                ),
            )
        )
    front = sorted((c for c in decision.candidates if c.method_id in decision.pareto), key=decision.lifetime_usd)
    figure.add_trace(
        go.Scatter(
            x=[decision.lifetime_usd(c) for c in front],
            y=[c.value for c in front],
            mode="lines",
            line={"dash": "dash", "color": "grey", "shape": "hv"},
            name="Pareto front",
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        title=f"Quality vs total cost (build + {volume:,.0f} requests)",
        xaxis_title="total cost, $ (log scale)",
        yaxis_title=f"{decision.metric} (95% CI)",
        xaxis_type="log",
    )
    return fragment(figure)


def cost_vs_volume(decision: Decision) -> str:
    """Total cost as volume grows: where two lines cross is their break-even volume."""
    volume = max(decision.settings.lifetime_requests, 1000)
    requests = np.linspace(0, 2 * volume, 200)
    figure = go.Figure()
    for c in decision.candidates:
        figure.add_trace(go.Scatter(x=requests, y=[c.costs.total_usd(r) for r in requests], name=c.method_id))
    figure.add_vline(x=volume, line_dash="dot", annotation_text="your expected volume")
    figure.update_layout(title="Total cost vs number of requests", xaxis_title="requests", yaxis_title="$")
    return fragment(figure)


def learning_curves(decision: Decision) -> str | None:
    trained = [c for c in decision.candidates if c.curves]
    if not trained:
        return None
    figure = make_subplots(rows=1, cols=2, subplot_titles=("training loss", f"validation {decision.metric}"))
    for c in trained:
        for col, name in ((1, "loss"), (2, "validation")):
            points = c.curves.get(name, [])
            if points:
                steps, values = zip(*points, strict=True)
                figure.add_trace(
                    go.Scatter(x=steps, y=values, name=f"{c.method_id} {name}", mode="lines+markers"), row=1, col=col
                )
    figure.update_xaxes(title_text="optimizer step")
    figure.update_layout(title="Learning curves")
    return fragment(figure)


def stability_spread(decision: Decision) -> str | None:
    measured = [c for c in decision.candidates if c.stability and c.stability.get("scores")]
    if not measured:
        return None
    figure = go.Figure()
    for c in measured:
        figure.add_trace(go.Box(y=c.stability["scores"], name=c.method_id, boxpoints="all", jitter=0.3))
    figure.update_layout(title="Score under reworded prompts", yaxis_title=decision.metric)
    return fragment(figure)


def confusion_matrices(decision: Decision) -> str | None:
    labels = decision.labels
    if not labels:
        return None
    shown = decision.candidates
    cols = min(4, len(shown))
    rows = -(-len(shown) // cols)
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=[c.method_id for c in shown])
    index = {label: i for i, label in enumerate(labels)}
    for i, c in enumerate(shown):
        row, col = divmod(i, cols)
        row, col = row + 1, col + 1
        counts = np.zeros((len(labels), len(labels)), dtype=int)
        for target, guess in zip(c.targets, c.guesses, strict=True):
            if target in index and guess in index:
                counts[index[target], index[guess]] += 1
        figure.add_trace(
            go.Heatmap(
                z=counts,
                x=labels,
                y=labels,
                text=counts,
                texttemplate="%{text}",
                colorscale="Blues",
                showscale=False,
                hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        figure.update_yaxes(autorange="reversed", row=row, col=col)
    figure.update_xaxes(title_text="predicted")
    figure.update_yaxes(title_text="true", col=1)
    figure.update_layout(title="Confusion matrices (test split)")
    return fragment(figure, height=120 + 300 * rows)
