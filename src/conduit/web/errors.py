"""Errors as browsers see them: the API's ``Problem`` for the same exception, rendered as a page outside ``/api``."""

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_401_UNAUTHORIZED

from conduit.lib.exceptions import api_error, problem_for

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not yours to change",
    404: "Page not found",
    405: "Not allowed",
    413: "Too large",
    422: "Something is not right",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Busy, please try again",
}
MACHINE_PATHS = ("/api/", "/static/")
"""Paths whose errors stay JSON: the API and static files."""


def render_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The app's one exception handler: JSON for the API, a page (or the sign-in page, for 401) for browsers."""
    path = request.url.path
    if path.startswith(MACHINE_PATHS) or path == "/api":
        return api_error(request, exc)
    problem = problem_for(exc)
    if problem.status_code == HTTP_401_UNAUTHORIZED:
        return Redirect(f"/login?next={quote(path)}", status_code=HTTP_303_SEE_OTHER)
    return Template(
        template_name="error.html",
        context={
            "status": problem.status_code,
            "title": TITLES.get(problem.status_code, "Error"),
            "messages": problem.messages,
            "viewer": request.scope.get("user"),
        },
        status_code=problem.status_code,
        headers=problem.headers,
    )
