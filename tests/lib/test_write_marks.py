"""Each client's last write position, kept while a replica may lack it: in process memory, or in Redis."""

import asyncio
import os
import uuid

import pytest

from conduit.lib.routing import WriteMarks, client_keys
from tests.support.servers import redis_reachable

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
WHERE = [
    pytest.param("", id="memory"),
    pytest.param(
        REDIS_URL,
        id="redis",
        marks=pytest.mark.skipif(
            not redis_reachable(REDIS_URL) and os.environ.get("CI") != "true", reason=f"no Redis at {REDIS_URL}"
        ),
    ),
]


@pytest.mark.parametrize("redis_url", WHERE)
async def test_the_latest_position_under_any_key_is_kept_until_it_expires(redis_url: str) -> None:
    marks = WriteMarks(redis_url, ttl_seconds=1)
    mine, shared, other = (f"{name}:{uuid.uuid4().hex}" for name in ("credential", "address", "address"))
    try:
        assert await marks.last([mine, shared]) == 0
        await marks.record([mine, shared], 500)
        await marks.record([shared], 300)  # an older position never replaces a newer one
        await marks.record([other], 900)

        assert await marks.last([mine]) == 500
        assert await marks.last([shared]) == 500
        assert await marks.last([mine, other]) == 900
        await asyncio.sleep(1.2)
        assert await marks.last([mine, shared, other]) == 0
    finally:
        await marks.close()


async def test_an_unreachable_redis_sends_every_read_to_the_primary() -> None:
    marks = WriteMarks("redis://127.0.0.1:1/0", ttl_seconds=10)
    try:
        assert await marks.last(["address:10.0.0.1"]) is None
        await marks.record(["address:10.0.0.1"], 5)  # logged, not raised: the write itself is done
    finally:
        await marks.close()


def test_a_client_is_its_address_and_its_credential() -> None:
    def scope(*headers: tuple[bytes, bytes]) -> dict[str, object]:
        return {"client": ("10.0.0.7", 5000), "headers": list(headers)}

    anonymous = client_keys(scope(), "conduit_session")  # type: ignore[arg-type]
    token = client_keys(scope((b"authorization", b"Token abc")), "conduit_session")  # type: ignore[arg-type]
    other_token = client_keys(scope((b"authorization", b"Token xyz")), "conduit_session")  # type: ignore[arg-type]
    cookie = client_keys(scope((b"cookie", b"a=1; conduit_session=s3cr3t")), "conduit_session")  # type: ignore[arg-type]

    assert anonymous == ["address:10.0.0.7"]
    assert token[0] == other_token[0] == cookie[0] == "address:10.0.0.7"
    assert len({token[1], other_token[1], cookie[1]}) == 3
    assert all("abc" not in key and "s3cr3t" not in key for key in [*token, *cookie])
