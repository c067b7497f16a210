"""The playground page: one message to several runs (and the base model) side by side; each run keeps its own
conversation, carried in the page (the server keeps no chat state)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from tunewise.core.errors import TunewiseError
from tunewise.studio.playground import BASE_PREFIX, MAX_CONVERSATION, checked_ids
from tunewise.studio.web import Refused, page

router = APIRouter()


@router.get("/playground", response_class=HTMLResponse)
def playground_page(request: Request, experiment: str | None = None, run: list[int] | None = None):
    store = request.app.state.store
    names = [e.name for e, completed, _ in store.experiments() if completed]
    experiment = experiment or (names[0] if names else None)
    choices = []
    if experiment:
        try:
            runs = store.latest_completed(experiment)
        except TunewiseError as exc:
            raise Refused(str(exc), 404) from None
        choices = [(str(r.id), f"{r.method_id} (run {r.id})") for r in runs]
        choices.append((BASE_PREFIX + experiment, "the base model, as it is"))
    picked = [str(r) for r in run or []] or [key for key, _ in choices[:2]]
    return page(request, "playground.html.j2", experiment=experiment, experiments=names, choices=choices, picked=picked)


@router.post("/playground/ask", response_class=HTMLResponse)
async def ask(
    request: Request,
    message: Annotated[str, Form(max_length=20_000)],
    runs: Annotated[list[str], Form()] = (),
    history: Annotated[str, Form(max_length=MAX_CONVERSATION * 8)] = "{}",
    temperature: Annotated[float, Form()] = 0.0,
):
    if not message.strip():
        raise Refused("write a message first")
    if not runs:
        raise Refused("tick at least one run to ask")
    conversations = _histories(history)
    try:
        keys = checked_ids(runs)  # at most MAX_RUNS, no duplicates: refused before anything loads
    except ValueError as exc:
        raise Refused(str(exc)) from None
    playground = request.app.state.playground
    columns = []
    for key in keys:
        messages = conversations.get(key, []) + [{"role": "user", "content": message}]
        try:
            (answer,) = await run_in_threadpool(playground.ask, [key], messages, temperature)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if answer.error is None:
            messages.append({"role": "assistant", "content": answer.text})
            conversations[key] = messages
        columns.append({"key": key, "answer": answer, "messages": conversations.get(key, [])})
    return page(request, "conversation.html.j2", columns=columns, history=json.dumps(conversations, ensure_ascii=False))


def _histories(history: str) -> dict[str, list[dict]]:
    """Each run's conversation so far, as the page sent it back (checked again by the playground)."""
    try:
        data = json.loads(history or "{}")
    except json.JSONDecodeError:
        raise Refused("the conversation sent back by the page is not JSON; reload the page") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise Refused("the conversation sent back by the page is malformed; reload the page")
    return data
