"""Signing in with the studio's token (only asked for when it is bound to a non-loopback address)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from tunewise.studio.security import SESSION_COOKIE
from tunewise.studio.web import Refused, page

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    return page(request, "login.html.j2", next=_local(next))


@router.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=500)], next: Annotated[str, Form()] = "/"):
    security = request.app.state.security
    if not security.token_matches(token):
        raise Refused("wrong token: give the one the studio was started with (--token or TUNEWISE_TOKEN)", 401)
    response = Response(status_code=204, headers={"HX-Redirect": _local(next)})
    response.set_cookie(SESSION_COOKIE, security.session_value(), httponly=True, samesite="strict")
    return response


def _local(path: str) -> str:
    """Only a path on this site: an open redirect would let a link send a signed-in user anywhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
