"""What every page shares: the templates, rendering with the CSRF token, and errors as a page, a fragment the
page swaps in (htmx requests), or the API's JSON error shape (clients that ask for JSON)."""

from __future__ import annotations

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from tunewise import __version__
from tunewise.core.format import duration, human_bytes, human_count, p_value, usd
from tunewise.serve.errors import TYPES
from tunewise.studio.security import csrf_token

TEMPLATES = Environment(
    # The report's templates too: the studio shows an experiment with the report's own sections.
    loader=ChoiceLoader([PackageLoader("tunewise.studio"), PackageLoader("tunewise.report")]),
    autoescape=select_autoescape(["html", "j2"]),
)
TEMPLATES.filters.update(usd=usd, count=human_count, bytes=human_bytes, p=p_value, duration=duration)


class Refused(Exception):
    """A request the studio cannot do as asked; ``str`` says why and how to fix it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(
        request=request, csrf=csrf_token(request), version=__version__, **context
    )
    return HTMLResponse(html, status_code=status)


def error_response(request: Request, status: int, message: str) -> Response:
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        body = {"error": {"message": message, "type": TYPES.get(status, "invalid_request_error"), "code": status}}
        return JSONResponse(body, status_code=status)
    if request.headers.get("hx-request"):  # shown at the top of the page; what the request targeted is kept
        response = page(request, "error_fragment.html.j2", status=status, message=message)
        response.headers.update({"HX-Retarget": "#errors", "HX-Reswap": "innerHTML"})
        return response
    return page(request, "error.html.j2", status=status, message=message, status_code=status)
