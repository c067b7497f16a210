"""Runs in progress: the jobs list, a job's live page, its event stream (server-sent events that resume after
the last id the browser saw) and Cancel."""

from __future__ import annotations

import asyncio
import json
import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, StreamingResponse

from tunewise.store.jobs import FINISHED
from tunewise.studio.jobs import cancel_job
from tunewise.studio.web import Refused, page

router = APIRouter()
POLL_SECONDS, HEARTBEAT_SECONDS = 0.5, 15.0
EVENT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also takes '²', which int() refuses


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request):
    return page(request, "jobs.html.j2", jobs=request.app.state.store.jobs.list())


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: int):
    job = _job(request, job_id)
    return page(request, "job.html.j2", job=job, finished=job.status in FINISHED)


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, job_id: int):
    _job(request, job_id)
    cancel_job(request.app.state.store, job_id)
    return HTMLResponse('<p class="warning" role="status">Cancelling: the run stops at its next step.</p>')


@router.get("/jobs/{job_id}/events")
async def events(request: Request, job_id: int, after: int = 0):
    """``Last-Event-ID`` (sent by the browser when it reconnects) or ``after``: the last event already seen."""
    store = request.app.state.store
    await run_in_threadpool(_job, request, job_id)
    header = request.headers.get("last-event-id", "")
    last = int(header) if EVENT_ID.fullmatch(header) else max(after, 0)

    async def stream():
        nonlocal last
        yield "retry: 1000\n\n"
        quiet = 0.0
        while not await request.is_disconnected():
            rows = await run_in_threadpool(store.jobs.events_after, job_id, last)
            for event in rows:
                last = event.id
                yield f"id: {event.id}\nevent: {event.kind}\ndata: {json.dumps(event.data)}\n\n"
            if rows:
                quiet = 0.0
                continue
            job = await run_in_threadpool(store.jobs.get, job_id)
            if job.status in FINISHED and not await run_in_threadpool(store.jobs.events_after, job_id, last):
                yield f"event: end\ndata: {json.dumps({'status': job.status})}\n\n"
                return
            quiet += POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:  # keeps proxies from closing an idle stream
                quiet = 0.0
                yield ": still running\n\n"
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _job(request: Request, job_id: int):
    jobs = request.app.state.store.jobs
    try:
        return jobs.get(job_id)
    except Exception as exc:
        raise Refused(f"no run in progress or finished with number {job_id}; see /jobs", 404) from exc
