"""What the middleware wrapped around the whole application (``logs.request_log``, ``metrics.request_metrics``)
have in common: seeing the status of the response they pass on."""

from collections.abc import Sequence

from litestar.types import Message, Send


class SendRecordingStatus:
    """An ASGI ``send`` that passes every message on, keeping the response's ``status`` (500 until a response
    starts) and adding ``headers`` to it."""

    def __init__(self, send: Send, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.send = send
        self.headers = list(headers)
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.headers:
                message["headers"] = [*message.get("headers", ()), *self.headers]
        await self.send(message)
