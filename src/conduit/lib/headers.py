"""Security headers on every response: the pages, the API, static files, error pages and 404s alike.

A ``before_send`` hook rather than a middleware, because Litestar runs middleware only for requests that
reach a route, while ``before_send`` sees every response the application sends.
"""

from collections.abc import Awaitable, Callable
from typing import cast

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: http: data:",  # pictures and article images may come from any web address
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""No inline script or style, nothing from other sites but images, and never inside a frame."""
UNUSED_FEATURES = ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in UNUSED_FEATURES)
"""Browser features Conduit never uses, refused to every page and every frame."""
HSTS = "max-age=31536000; includeSubDomains"
SendHook = Callable[[Message, Scope], Awaitable[None]]


def security_headers(*, hsts: bool) -> SendHook:
    """A ``before_send`` hook adding the security headers, ``Strict-Transport-Security`` when ``hsts``, and
    ``Cache-Control: no-store`` on what a signed-in person is sent or what sets a cookie (unless the handler
    chose its own caching)."""
    always = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Permissions-Policy": PERMISSIONS_POLICY,
            "Cross-Origin-Opener-Policy": "same-origin",
            "Server": "Conduit",  # in place of the server's own name (Granian adds one unless the app sets it)
            **({"Strict-Transport-Security": HSTS} if hsts else {}),
        }.items()
    ]

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        # Litestar always starts a response with a list of headers; appending to it is what lets the headers be
        # added without building the list again.
        headers = cast("list[tuple[bytes, bytes]]", message.setdefault("headers", []))
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend(header for header in always if header[0] not in present)
        personal = scope.get("user") is not None or b"set-cookie" in present
        if personal and b"cache-control" not in present:
            headers.append((b"cache-control", b"no-store"))

    return add_headers
