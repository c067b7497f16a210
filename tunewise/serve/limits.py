"""What guards the server before a request reaches a route: the body size (counted as it arrives, so a chunked
body without Content-Length is held to it too), the bearer token, and on a loopback bind the Host header (a web
page that rebinds its domain to 127.0.0.1 must not reach the API)."""

from __future__ import annotations

import secrets

from tunewise.serve.errors import error

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class Guard:
    """A pure ASGI middleware (it sees the body's bytes as they come, which a decorator middleware cannot)."""

    def __init__(self, app, max_body: int, token: str | None, loopback: bool):
        self.app, self.max_body, self.token, self.loopback = app, max_body, token, loopback

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        too_large = (413, f"Request body over {self.max_body // 1024} kB", "request_too_large")
        if self.loopback and headers.get("host", b"").decode("latin-1").rsplit(":", 1)[0] not in LOOPBACK_HOSTS:
            return await _refuse(
                scope,
                receive,
                send,
                403,
                "Host not allowed: this server answers on its loopback address only",
                "host_not_allowed",
            )
        if self.token and not secrets.compare_digest(
            headers.get("authorization", b""), f"Bearer {self.token}".encode()
        ):
            return await _refuse(
                scope,
                receive,
                send,
                401,
                "Missing or wrong bearer token (Authorization: Bearer <token>)",
                "invalid_api_key",
            )
        if int(headers.get("content-length", b"0") or 0) > self.max_body:
            return await _refuse(scope, receive, send, *too_large)
        body, more = bytearray(), True  # appended in place: bytes += would copy the body at every chunk
        while more:  # read (at most max_body of) the body first, so an over-long one is refused whole
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message], receive), send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await _refuse(scope, receive, send, *too_large)
        await self.app(
            scope, _replay([{"type": "http.request", "body": bytes(body), "more_body": False}], receive), send
        )


def _replay(messages: list[dict], receive):
    """``receive`` that first gives back ``messages`` (the body already read), then the client's own."""
    pending = list(messages)

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed


async def _refuse(scope, receive, send, status: int, message: str, code: str) -> None:
    await error(status, message, code=code)(scope, receive, send)  # the API's error shape, as every route's
