"""Errors in the OpenAI API's shape: ``{"error": {"message", "type", "param", "code"}}`` with its status codes,
for every bad request, never a traceback."""

from __future__ import annotations

import traceback

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tunewise.serve.answer import BadRequest
from tunewise.serve.batcher import Overloaded

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_exceeded",
    500: "server_error",
}


def error(status: int, message: str, param: str | None = None, code: str | None = None, headers=None) -> JSONResponse:
    body = {
        "error": {"message": message, "type": TYPES.get(status, "invalid_request_error"), "param": param, "code": code}
    }
    return JSONResponse(body, status_code=status, headers=headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part != "body")
    if first["type"] == "extra_forbidden":
        return error(400, f"Unrecognized request argument supplied: {where}", where, "unknown_parameter")
    return error(400, f"{where}: {first['msg']}", where or None, "invalid_value")


async def bad_request(request: Request, exc: BadRequest) -> JSONResponse:
    return error(exc.status, str(exc), exc.param, exc.code)


async def overloaded(request: Request, exc: Overloaded) -> JSONResponse:
    return error(429, f"The server is busy: {exc}", code="overloaded", headers={"Retry-After": "1"})


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return error(exc.status_code, str(exc.detail), code="not_found" if exc.status_code == 404 else None)


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    traceback.print_exception(exc)  # the operator's log has it; the client gets the API's error shape
    return error(500, f"The server failed on this request ({type(exc).__name__}); the log has the details")


HANDLERS = {
    RequestValidationError: validation_error,
    BadRequest: bad_request,
    Overloaded: overloaded,
    HTTPException: http_error,
    Exception: unexpected,
}
