"""Blind A/B ratings: a test input and two runs' answers in a random order, names hidden until the vote; the
votes export as preference pairs (TRL's DPO format) or single judgments (KTO's)."""

from __future__ import annotations

import json
import random
import re
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from tunewise.core.errors import TunewiseError
from tunewise.report.preference_data import preference_pairs, single_judgments
from tunewise.studio.blind import checked_rater, next_pair, record_vote
from tunewise.studio.web import Refused, page

router = APIRouter()
EXPORTS = {"pairs": preference_pairs, "judgments": single_judgments}
_random = random.SystemRandom()  # which pair and which side: nothing a rater could predict


@router.get("/experiments/{name}/rate", response_class=HTMLResponse)
def rate_page(request: Request, name: str, rater: str = ""):
    try:
        request.app.state.store.latest_completed(name)
    except TunewiseError as exc:
        raise Refused(str(exc), 404) from None
    rater = _rater(rater) if rater else unquote(request.cookies.get("tw_rater", ""))
    return page(request, "rate.html.j2", name=name, rater=rater, count=len(request.app.state.store.ratings.of(name)))


@router.get("/experiments/{name}/rate/pair", response_class=HTMLResponse)
def pair(request: Request, name: str, rater: str):
    rater = _rater(rater)
    drawn = next_pair(request.app.state.store, name, rater, _random, request.app.state.vote_secret)
    methods = len(request.app.state.store.latest_completed(name))
    response = page(request, "pair.html.j2", name=name, rater=rater, pair=drawn, methods=methods)
    response.set_cookie("tw_rater", quote(rater), samesite="strict", httponly=True)  # any script: quoted
    return response


@router.post("/experiments/{name}/rate/vote", response_class=HTMLResponse)
def vote(
    request: Request,
    name: str,
    rater: Annotated[str, Form(max_length=100)],
    token: Annotated[str, Form(max_length=4000)],
    choice: Annotated[str, Form()],
    comment: Annotated[str, Form(max_length=2000)] = "",
):
    try:
        revealed = record_vote(
            request.app.state.store, name, rater, token, choice, comment, request.app.state.vote_secret
        )
    except (ValueError, TypeError) as exc:
        raise Refused(str(exc) or "this pair is not one the studio drew; draw a new pair") from None
    return page(request, "revealed.html.j2", name=name, rater=rater, revealed=revealed)


@router.get("/experiments/{name}/ratings.jsonl")
def export(request: Request, name: str, format: str = "pairs"):
    if format not in EXPORTS:
        raise Refused(f"format must be one of {', '.join(EXPORTS)}, got {format[:40]!r}")
    rows = EXPORTS[format](request.app.state.store.ratings.of(name))
    if not rows:
        raise Refused(f"{name!r} has no ratings that make {format} yet: rate some pairs first", 404)
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", name) + f"-{format}.jsonl"
    return Response(
        body, media_type="application/jsonl", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _rater(rater: str) -> str:
    try:
        return checked_rater(rater)
    except ValueError as exc:
        raise Refused(str(exc)) from None
