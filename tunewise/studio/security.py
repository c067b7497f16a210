"""Safe by default: on a loopback bind only loopback Host headers are answered (serve's Guard, which also caps
request bodies); any other bind needs the token, given once on the login form (a cookie then carries a keyed
hash of it, never the token) or as ``Authorization: Bearer``. Every state-changing request must carry the CSRF
token (double-submit: a random cookie that the page repeats in the ``X-CSRF-Token`` header), and a cross-site
``Origin`` is refused outright."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER = "tw_session", "tw_csrf", "x-csrf-token"
OPEN_PATHS = ("/login", "/static/")
LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_FORMAT = re.compile(r"[A-Za-z0-9_-]{32}")  # what csrf_token mints; any other cookie value is replaced


class Security:
    def __init__(self, token: str | None):
        self.token = token
        self.key = secrets.token_bytes(32)  # per server process: a restart logs everyone out

    def session_value(self) -> str:
        return hmac.new(self.key, (self.token or "").encode(), hashlib.sha256).hexdigest()

    def signed_in(self, request: Request) -> bool:
        if self.token is None:
            return True
        cookie = request.cookies.get(SESSION_COOKIE, "")
        bearer = request.headers.get("authorization", "")
        return _same(cookie, self.session_value()) or _same(bearer, f"Bearer {self.token}")

    def token_matches(self, given: str) -> bool:
        return self.token is not None and _same(given, self.token)

    def csrf_problem(self, request: Request) -> str | None:
        """Why a state-changing request is refused, or None."""
        origin = request.headers.get("origin")
        if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
            return f"cross-site request from {origin} refused"
        cookie, header = request.cookies.get(CSRF_COOKIE, ""), request.headers.get(CSRF_HEADER, "")
        if not CSRF_FORMAT.fullmatch(cookie) or not _same(cookie, header):
            return "missing or wrong CSRF token: reload the page and try again"
        return None


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (set on the response by ``remember_csrf`` when new)."""
    if not hasattr(request.state, "csrf"):
        cookie = request.cookies.get(CSRF_COOKIE, "")
        request.state.csrf = cookie if CSRF_FORMAT.fullmatch(cookie) else secrets.token_urlsafe(24)
    return request.state.csrf


def remember_csrf(request: Request, response: Response) -> None:
    if getattr(request.state, "csrf", None) and request.cookies.get(CSRF_COOKIE) != request.state.csrf:
        response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=False, samesite="strict")


def login_redirect(request: Request) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)


def local_path(path: str) -> str:
    """Only a path on this site (printable ASCII, one leading slash): an open redirect would let a link send a
    signed-in user anywhere (browsers drop tabs and newlines, so '/\t/evil.com' is '//evil.com')."""
    return path if LOCAL_PATH.fullmatch(path) else "/"


def _same(given: str, expected: str) -> bool:
    """compare_digest on bytes: on text it raises for anything but ASCII (a 500 instead of a refusal)."""
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())
