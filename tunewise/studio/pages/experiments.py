"""The experiments: the list (status, best method, recommendation) and one experiment's comparison, shown with
the HTML report's own sections and plots."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from plotly.offline import get_plotlyjs
from starlette.responses import HTMLResponse, Response

from tunewise.core.errors import TunewiseError
from tunewise.decide.load import decision_for
from tunewise.report.html import report_context
from tunewise.studio.web import Refused, page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def experiments_page(request: Request):
    store = request.app.state.store
    rows = []
    for experiment, completed, running in store.experiments():
        rows.append(
            {
                "name": experiment.name,
                "completed": completed,
                "running": running,
                **_verdict(store, experiment.name, completed),
            }
        )
    active = [job for job in store.jobs.list(limit=20) if job.status in ("queued", "running")]
    return page(request, "experiments.html.j2", experiments=rows, active=active)


@router.get("/experiments/{name}", response_class=HTMLResponse)
def experiment_page(request: Request, name: str):
    store = request.app.state.store
    try:
        decision = decision_for(store, name)
    except TunewiseError as exc:
        jobs = store.jobs.list(experiment=name, limit=10)
        if not jobs and "no experiment named" in str(exc):
            raise Refused(str(exc), 404) from None
        return page(request, "experiment_pending.html.j2", name=name, message=str(exc), jobs=jobs)
    runs = [run for run, _ in store.runs(name, limit=200)]
    context = report_context(decision, name)
    return page(
        request, "experiment.html.j2", name=name, runs=runs, jobs=store.jobs.list(experiment=name, limit=10), **context
    )


@router.get("/assets/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package: the plots need no network."""
    return Response(_plotly(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


@cache
def _plotly() -> str:
    return get_plotlyjs()


def _verdict(store, name: str, completed: int) -> dict:
    if not completed:
        return {"best": None, "recommended": None}
    try:
        decision = decision_for(store, name)
    except TunewiseError as exc:
        return {"best": None, "recommended": None, "problem": str(exc)}
    best = decision.leader or (decision.candidates[0] if decision.candidates else None)
    return {
        "best": best and f"{best.method_id} ({best.metric} {best.value:.3f})",
        "recommended": decision.recommended and decision.recommended.method_id,
    }
