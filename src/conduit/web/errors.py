"""Errors as browsers see them: the API's ``Problem`` for the same exception, rendered as a page outside ``/api``."""

from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
)
from litestar.types import ExceptionHandler, Receive, Scope, Send

from conduit.db.models import User
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
ViewerLookup = Callable[[Request[Any, Any, Any]], Awaitable[User | None]]
"""Who the browser session of a request names (None for a visitor)."""


def error_pages(viewer_of: ViewerLookup) -> ExceptionHandler:
    """The app's one exception handler: JSON for the API, a page (or the sign-in page, for 401) for browsers.

    The page's header is the signed-in viewer's. A path no route matches never reached the session middleware,
    so its viewer is looked up with ``viewer_of`` while the page is sent; when that fails too, the page is a
    visitor's (an error page never fails harder than the error it shows).
    """

    def render_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        path = request.url.path
        if path.startswith(MACHINE_PATHS) or path == "/api":
            return api_error(request, exc)
        problem = problem_for(exc)
        if problem.status_code == HTTP_401_UNAUTHORIZED:
            return Redirect(f"/login?next={quote(path)}", status_code=HTTP_303_SEE_OTHER)
        context = {
            "status": problem.status_code,
            "title": TITLES.get(problem.status_code, "Error"),
            "messages": problem.sentences,
            "viewer": request.scope.get("user"),
        }
        options: dict[str, Any] = {"status_code": problem.status_code, "headers": problem.headers}
        if _unrouted(request, problem.status_code):
            return ErrorPage(viewer_of, template_name="error.html", context=context, **options)
        return Template(template_name="error.html", context=context, **options)

    return render_error


def _unrouted(request: Request[Any, Any, Any], status_code: int) -> bool:
    """Whether the request matched no route (so its viewer is unknown yet) and named no one to look for."""
    return "user" not in cast("dict[str, Any]", request.scope) and status_code in {
        HTTP_404_NOT_FOUND,
        HTTP_405_METHOD_NOT_ALLOWED,
    }


class ErrorPage(Template):
    """An error page whose viewer is looked up with ``viewer_of`` just before it is rendered."""

    __slots__ = ("viewer_of",)

    def __init__(self, viewer_of: ViewerLookup, **template: Any) -> None:
        super().__init__(**template)
        self.viewer_of = viewer_of

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **options: Any) -> ASGIResponse:
        return _AfterLookingUpTheViewer(self, request, options)


class _AfterLookingUpTheViewer(ASGIResponse):
    # An exception handler is synchronous: the look-up has to wait until the response is sent.
    __slots__ = ("_options", "_page", "_request")

    def __init__(self, page: ErrorPage, request: Request[Any, Any, Any], options: dict[str, Any]) -> None:
        # Litestar's own __init__ is not called: the page renders itself once the viewer is known.
        self._page = page
        self._request = request
        self._options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self._page.context["viewer"] = await self._page.viewer_of(self._request)
        except Exception as exc:  # logged as its kind deserves; the page shows a visitor's header
            problem_for(exc)
        await Template.to_asgi_response(self._page, None, self._request, **self._options)(scope, receive, send)
