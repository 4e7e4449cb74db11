"""The heap an application holds when it starts is out of the garbage collector's walks while it serves."""

import gc

import pytest
from litestar import Litestar

from tests.conftest import serve

pytestmark = pytest.mark.anyio


def walked_by_collector(thing: object) -> bool:
    """Whether a collection of the oldest generation would visit ``thing`` (frozen objects are in none)."""
    return any(held is thing for held in gc.get_objects())


async def test_the_application_is_frozen_while_it_serves_and_collectable_after(app: Litestar) -> None:
    assert walked_by_collector(app.asgi_router)
    async with serve(app) as client:
        assert (await client.get("/api/tags")).status_code == 200
        assert gc.get_freeze_count() > 0
        assert not walked_by_collector(app.asgi_router)
        assert not walked_by_collector(app)
        made_by_a_request = {"answer": [await client.get("/api/tags")]}
        assert walked_by_collector(made_by_a_request)
    assert gc.get_freeze_count() == 0
    assert walked_by_collector(app)
