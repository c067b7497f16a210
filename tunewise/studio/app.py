"""`tunewise studio`'s web app: FastAPI routes over the store, rendered server-side with Jinja; htmx (shipped in
``static/``) swaps fragments in, and the page loads nothing from the network."""

from __future__ import annotations

import secrets
import traceback
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from tunewise.core.errors import TunewiseError
from tunewise.serve.limits import Guard
from tunewise.store import Store
from tunewise.studio import pages
from tunewise.studio.catalog import model_choices
from tunewise.studio.playground import Playground
from tunewise.studio.security import OPEN_PATHS, SAFE_METHODS, Security, login_redirect, remember_csrf
from tunewise.studio.uploads import MAX_UPLOAD_BYTES
from tunewise.studio.web import Refused, error_response

STATIC = Path(__file__).parent / "static"
# No page of the studio may be framed by another site (clickjacking a Run or a vote), nor sniffed as another type.
HARDENING = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields of the upload form


def create_app(
    store: Store,
    token: str | None = None,
    loopback: bool = True,
    models: dict[str, dict] | None = None,
    slots: int = 1,
) -> FastAPI:
    """``models``: the model choices the new-experiment form offers (name -> the experiment's ``model:``
    section); ``slots``: how many jobs run at once."""
    app = FastAPI(title="tunewise studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.security, app.state.slots = store, Security(token), slots
    app.state.models = models or model_choices()
    app.state.playground = Playground(store)
    app.state.vote_secret = secrets.token_bytes(32)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in pages.ROUTERS:
        app.include_router(router)
    _guard(app)
    app.add_middleware(Guard, max_body=MAX_UPLOAD_BYTES + FORM_OVERHEAD, token=None, loopback=loopback)
    _errors(app)
    return app


def _guard(app: FastAPI) -> None:
    @app.middleware("http")
    async def sign_in_and_csrf(request: Request, call_next):
        security: Security = app.state.security
        if not request.url.path.startswith(OPEN_PATHS) and not security.signed_in(request):
            if request.method in SAFE_METHODS and not request.headers.get("hx-request"):
                return login_redirect(request)
            return error_response(request, 401, "sign in first: open /login and give the studio's token")
        if request.method not in SAFE_METHODS:
            problem = security.csrf_problem(request)
            if problem:
                return error_response(request, 403, problem)
        response = await call_next(request)
        remember_csrf(request, response)
        response.headers.update(HARDENING)
        return response


def _errors(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return error_response(request, exc.status, str(exc))

    @app.exception_handler(TunewiseError)
    async def input_error(request: Request, exc: TunewiseError):
        return error_response(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path", "form"))
        return error_response(request, 400, f"{where}: {first['msg']}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        traceback.print_exception(exc)  # the operator's terminal has it; the page says what failed
        return error_response(request, 500, f"the studio failed on this request ({type(exc).__name__}); see its log")
