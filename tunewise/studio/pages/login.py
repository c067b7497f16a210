"""Signing in with the studio's token (only asked for when it is bound to a non-loopback address)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tunewise.studio.security import SESSION_COOKIE, local_path
from tunewise.studio.web import Refused, page

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    if request.app.state.security.token is None:  # a loopback studio asks for no token
        return RedirectResponse(local_path(next), status_code=303)
    return page(request, "login.html.j2", next=local_path(next))


@router.post("/login")
def login(request: Request, token: Annotated[str, Form(max_length=500)], next: Annotated[str, Form()] = "/"):
    security = request.app.state.security
    if not security.token_matches(token):
        raise Refused("wrong token: give the one the studio was started with (--token or TUNEWISE_TOKEN)", 401)
    response = Response(status_code=204, headers={"HX-Redirect": local_path(next)})
    response.set_cookie(SESSION_COOKIE, security.session_value(), httponly=True, samesite="strict")
    return response
