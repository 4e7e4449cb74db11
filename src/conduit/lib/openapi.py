"""The API's documentation: how errors appear in the OpenAPI schema (the RealWorld error body, under every status an
endpoint may answer), and the Swagger UI page that shows it."""

import html
from typing import Any

from litestar import Request
from litestar.openapi import ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from msgspec import Struct

from conduit.lib.auth import signed_in_only

SWAGGER_UI = "/static/vendor/swagger-ui"


class GenericErrorModel(Struct):
    """Every error the API sends: ``{"errors": {"<subject>": ["<what is wrong>", ...]}}``, such as
    ``{"errors": {"username": ["has already been taken"]}}``."""

    errors: dict[str, list[str]]


DESCRIPTIONS = {
    400: "The request cannot be read (`request`): malformed JSON, not UTF-8, nested too deeply; or a NUL character "
    "in the query (`query`).",
    401: "No valid token (`token`): it is missing where one is required, or the one sent is invalid or expired; or "
    "wrong `credentials` at login.",
    403: "The `article` or `comment` belongs to someone else.",
    404: "No such `article`, `profile` or `comment`.",
    409: "The `username` or `email` belongs to someone else.",
    413: "The request body is larger than MAX_REQUEST_BODY_BYTES (`request`).",
    422: "The input breaks a rule; each error names its field (`title`: `can't be blank`).",
    429: "Too many attempts (`credentials`, `registrations` or `requests`); wait for Retry-After seconds.",
    503: "The `database` (or another `service`) is unavailable or busy; retry after Retry-After seconds (nothing was "
    "saved).",
}
EVERY_ENDPOINT = (400, 401, 422, 429, 503)
"""What any endpoint may answer: a bad request or token, invalid input, throttling, an outage."""


def switch(on: str, off: str) -> dict[str, Any]:
    """The options of a handler that a signed-in caller switches on with POST (operation ``on``) and off with
    DELETE (operation ``off``), answering 200 either way, or 404 when what it names does not exist."""
    operation_ids = {"POST": on, "DELETE": off}

    def operation_id(_handler: Any, method: str, _path: Any) -> str:
        return operation_ids[method]

    return {"http_method": ["POST", "DELETE"], "status_code": 200, "operation_id": operation_id, **signed_in(404)}


def signed_in(*statuses: int) -> dict[str, Any]:
    """The options of an endpoint that needs a token and may also answer ``statuses``: the guard that answers 401
    without one, with the OpenAPI security requirement and error responses that say so (given together, so that
    what is documented is what is enforced)."""
    return {"guards": [signed_in_only], "security": [{"Token": []}], "responses": error_responses(*statuses)}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The error responses of an endpoint that may also answer ``statuses`` (403, 404, 409, 413)."""
    return {
        status: ResponseSpec(
            data_container=GenericErrorModel, description=DESCRIPTIONS[status], generate_examples=False
        )
        for status in sorted({*EVERY_ENDPOINT, *statuses})
    }


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI at ``/api/docs/swagger``, from the package's own static files (``make install`` copies them from
    npm's ``swagger-ui-dist``), started by a script file rather than inline code: the page needs no CDN and obeys
    the Content-Security-Policy. Litestar's ``SwaggerRenderPlugin`` inlines the schema and its start-up script."""

    def __init__(self) -> None:
        favicon = '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">'
        super().__init__(path="/swagger", favicon=favicon)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        schema_url = html.escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  {self.favicon}
  <link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
  <script src="{SWAGGER_UI}/swagger-ui-bundle.js" defer></script>
  <script src="/static/api-docs.js" defer></script>
</head>
<body><div id="swagger-ui" data-schema-url="{schema_url}"></div></body>
</html>
""".encode()
