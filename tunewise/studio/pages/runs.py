"""One run's page: what it was, its scores, its prompt, its own details (search traces, teachers), the data
check it started with, its training curves and its test answers, wrong ones first."""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from tunewise.core.errors import TunewiseError
from tunewise.methods import METHODS
from tunewise.report.plots import fragment
from tunewise.report.quality import stored_report
from tunewise.studio.web import Refused, page

router = APIRouter()
SHOWN_PREDICTIONS = 200


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: int):
    store = request.app.state.store
    try:
        run, experiment = store.run(run_id)
    except TunewiseError as exc:
        raise Refused(str(exc), 404) from None
    details = run.details or {}
    predictions = store.predictions(run_id) if run.status == "completed" else []
    wrong_first = sorted(predictions, key=lambda p: (p.correct, p.position))[:SHOWN_PREDICTIONS]
    sections = METHODS.get(run.method).summary(details) if run.details and run.method in METHODS else []
    quality = stored_report(details["data_quality"]) if details.get("data_quality") else None
    return page(
        request,
        "run.html.j2",
        run=run,
        experiment=experiment,
        prompt=details.get("prompt") or {},
        sections=sections,
        quality=quality,
        curves=_curves(store.step_metrics(run_id)),
        predictions=wrong_first,
        wrong=sum(not p.correct for p in predictions),
        total=len(predictions),
    )


def _curves(steps) -> str | None:
    """Training loss and validation score against the step, one line per logged value."""
    series = defaultdict(list)
    for metric in steps:
        if metric.name in ("loss", "validation", "search_validation"):
            series[metric.name].append((metric.step, metric.value))
    if not series:
        return None
    figure = go.Figure()
    for name, points in series.items():
        figure.add_scatter(x=[s for s, _ in points], y=[v for _, v in points], mode="lines+markers", name=name)
    figure.update_layout(title="Training", xaxis_title="step")
    return fragment(figure, height=320)
