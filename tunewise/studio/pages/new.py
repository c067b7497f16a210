"""A new experiment without code: upload a file, map its fields, see the data check and the experiment file,
then run it in a background worker. The form's choices become the experiment file's data, checked by the CLI's
own parser and data check (``draft.py``); the page shows that file, and the CLI runs it unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tunewise.core.errors import TunewiseError
from tunewise.studio.catalog import method_catalog, starter_methods
from tunewise.studio.draft import Draft, check_draft, experiment_data, experiment_yaml
from tunewise.studio.form import draft_from_form
from tunewise.studio.jobs import start_job
from tunewise.studio.uploads import MAX_UPLOAD_BYTES, inspect_upload, save_upload
from tunewise.studio.web import Refused, page

router = APIRouter()
CHUNK = 1024 * 1024


@router.get("/new", response_class=HTMLResponse)
def upload_page(request: Request):
    return page(request, "upload.html.j2", limit_mb=MAX_UPLOAD_BYTES // 2**20)


@router.post("/new/upload")
async def upload(request: Request, file: UploadFile):
    data = await _read_limited(file)
    upload_id = await run_in_threadpool(save_upload, data, file.filename or "")
    name = _suggested_name(file.filename or "")
    return Response(status_code=204, headers={"HX-Redirect": f"/new/{upload_id}?name={name}"})


@router.get("/new/{upload_id}", response_class=HTMLResponse)
def mapping_page(request: Request, upload_id: str, name: str = "", target: str | None = None):
    inspection = inspect_upload(upload_id, target or None)
    return page(
        request,
        "mapping.html.j2",
        upload_id=upload_id,
        name=_suggested_name(name) if name else f"experiment-{datetime.now(UTC):%Y%m%d-%H%M}",
        inspection=inspection,
        methods=method_catalog(),
        starters=starter_methods(),
        models=list(request.app.state.models),
        d=Draft(name="", upload_id=upload_id, input="", target=""),  # the form starts at the file's defaults
    )


@router.post("/new/{upload_id}/check", response_class=HTMLResponse)
async def check(request: Request, upload_id: str):
    data, result = await _checked(request, upload_id)
    experiments = await run_in_threadpool(request.app.state.store.experiments)
    exists = any(e.name == data["name"] for e, _, _ in experiments)
    return page(request, "check.html.j2", check=result, yaml=experiment_yaml(data), name=data["name"], exists=exists)


@router.post("/new/{upload_id}/run")
async def run(request: Request, upload_id: str):
    data, result = await _checked(request, upload_id)
    if not result.ok:
        raise Refused("the data check found errors; fix them first:\n" + "\n".join(result.errors))
    job_id = await run_in_threadpool(start_job, request.app.state.store, data["name"], data, request.app.state.slots)
    return Response(status_code=204, headers={"HX-Redirect": f"/jobs/{job_id}"})


async def _checked(request: Request, upload_id: str):
    form = await request.form()
    draft = draft_from_form(upload_id, form)
    try:
        data = experiment_data(draft, request.app.state.models)
    except TunewiseError as exc:
        raise Refused(str(exc)) from None
    return data, await run_in_threadpool(check_draft, data)


async def _read_limited(file: UploadFile) -> bytes:
    """The upload, refused as soon as it passes the limit (the request body is capped too)."""
    data = bytearray()
    while chunk := await file.read(CHUNK):
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            raise Refused(f"the file is over {MAX_UPLOAD_BYTES // 2**20} MB; upload a sample of its rows", 413)
    return bytes(data)


def _suggested_name(filename: str) -> str:
    """An experiment name from the file's name: letters, digits, '-', '_' (the name is shown, never a path)."""
    stem = re.split(r"[/\\]", filename)[-1].rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "experiment"
