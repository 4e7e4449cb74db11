"""How errors appear in the OpenAPI schema: the RealWorld error body, under every status an endpoint may answer."""

from litestar.openapi import ResponseSpec
from msgspec import Struct


class ErrorMessages(Struct):
    body: list[str]


class GenericErrorModel(Struct):
    """Every error the API sends: ``{"errors": {"body": ["..."]}}``."""

    errors: ErrorMessages


DESCRIPTIONS = {
    400: "The request cannot be read: malformed JSON, not UTF-8, nested too deeply, or a NUL character in the URL.",
    401: "No valid token: one is required here, or the one sent is invalid or expired.",
    403: "The article or comment belongs to someone else.",
    404: "No such article, profile or comment.",
    413: "The request body is larger than MAX_REQUEST_BODY_BYTES.",
    422: "The input breaks a rule; each message names the field.",
    429: "Too many attempts; wait for Retry-After seconds.",
    503: "The database is unavailable or busy; retry after Retry-After seconds (nothing was saved).",
}
EVERY_ENDPOINT = (400, 401, 422, 429, 503)
"""What any endpoint may answer: a bad request or token, invalid input, throttling, an outage."""


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The error responses of an endpoint that may also answer ``statuses`` (403, 404, 413)."""
    return {
        status: ResponseSpec(
            data_container=GenericErrorModel, description=DESCRIPTIONS[status], generate_examples=False
        )
        for status in sorted({*EVERY_ENDPOINT, *statuses})
    }
