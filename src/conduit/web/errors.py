"""Errors as browsers see them: the API's error mapping, rendered as pages outside ``/api``."""

from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_401_UNAUTHORIZED
from litestar.types import ExceptionHandler, ExceptionHandlersMap

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not yours to change",
    404: "Page not found",
    405: "Not allowed",
    413: "Too large",
    422: "Something is not right",
    500: "Something went wrong",
    503: "Busy, please try again",
}


def for_browsers(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """Wrap each handler: API requests keep the JSON error; pages get an error page, or the sign-in page for 401."""
    return {exception: _rendered(handler) for exception, handler in handlers.items()}


def _rendered(handler: ExceptionHandler) -> ExceptionHandler:
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        response = handler(request, exc)
        path = request.url.path
        if path.startswith(("/api/", "/static/")) or path == "/api":
            return response
        status = response.status_code or 500
        if status == HTTP_401_UNAUTHORIZED:
            return Redirect(f"/login?next={quote(path)}", status_code=HTTP_303_SEE_OTHER)
        body = response.content
        if isinstance(body, bytes):
            body = msgspec.json.decode(body)
        messages = body.get("errors", {}).get("body", []) if isinstance(body, dict) else []
        return Template(
            template_name="error.html",
            context={"status": status, "title": TITLES.get(status, "Error"), "messages": messages},
            status_code=status,
        )

    return handle
