"""On SQLite the writes of one process take turns in an in-process queue, rather than in SQLite's busy handler;
on PostgreSQL they do not queue. Either way every write lands."""

import asyncio
from typing import Any, cast

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from litestar import Litestar
from litestar.types import Message, Receive, ReceiveMessage, Scope, Send

from conduit.lib import transactions
from conduit.lib.exceptions import ServiceUnavailableError
from conduit.lib.transactions import RequestTransaction
from tests.conftest import RegisterUser

pytestmark = pytest.mark.anyio


class Inner:
    """An app that stays inside for a moment and counts how many requests are inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.order: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        await asyncio.sleep(0.01)
        self.order.append(cast("int", dict(scope)["number"]))
        self.inside -= 1


def middleware(*, serialize_writes: bool) -> RequestTransaction:
    def unused(*_: Any) -> Any:
        raise AssertionError

    return RequestTransaction(
        None,  # type: ignore[arg-type]  # never reached: nothing here commits
        reads_outside_transactions=False,
        error_handler=unused,
        bypass=(),
        serialize_writes=serialize_writes,
    )


def scope(method: str, number: int) -> Any:
    return {"type": "http", "method": method, "path": "/api/articles", "number": number}


async def nothing() -> ReceiveMessage:
    return {"type": "http.disconnect"}


async def drop(_: Message) -> None:
    return None


@pytest.mark.parametrize(
    ("serialize_writes", "method", "most"), [(True, "POST", 1), (True, "GET", 8), (False, "POST", 8)]
)
async def test_writes_take_turns_first_come_first_served_and_reads_never_wait(
    serialize_writes: bool, method: str, most: int
) -> None:
    gate, inner = middleware(serialize_writes=serialize_writes), Inner()

    await asyncio.gather(*(gate.handle(scope(method, n), nothing, drop, inner) for n in range(8)))

    assert inner.most == most
    if most == 1:
        assert inner.order == list(range(8))


async def test_a_write_that_waits_past_the_lock_timeout_is_answered_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactions, "WRITE_TURN_TIMEOUT_SECONDS", 0.05)
    gate = middleware(serialize_writes=True)

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.5)

    first = asyncio.create_task(gate.handle(scope("PUT", 0), nothing, drop, slow))
    await asyncio.sleep(0.01)
    with pytest.raises(ServiceUnavailableError):
        await gate.handle(scope("DELETE", 1), nothing, drop, slow)
    await first
    await gate.handle(scope("POST", 2), nothing, drop, slow)  # the turn was given back


async def test_the_app_queues_writes_on_sqlite_only_and_every_queued_write_lands(
    app: Litestar, alchemy: SQLAlchemyAsyncConfig, client: AsyncClient, register: RegisterUser, write_article: Any
) -> None:
    gate = next(layer for layer in app.middleware if isinstance(layer, RequestTransaction))
    assert (gate.write_turn is not None) == (alchemy.get_engine().dialect.name == "sqlite")
    slug = (await write_article(await register()))["slug"]
    readers = [await register() for _ in range(12)]

    answers = await asyncio.gather(
        *(client.post(f"/api/articles/{slug}/favorite", headers=reader.headers) for reader in readers)
    )

    assert [answer.status_code for answer in answers] == [200] * len(readers)
    assert (await client.get(f"/api/articles/{slug}")).json()["article"]["favoritesCount"] == len(readers)
