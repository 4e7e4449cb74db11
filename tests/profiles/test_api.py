import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import follows
from tests.conftest import RegisterUser

pytestmark = pytest.mark.anyio


async def test_profile_of_a_user(client: AsyncClient, register: RegisterUser) -> None:
    celeb = await register()
    await client.put(
        "/api/user", headers=celeb.headers, json={"user": {"bio": "famous", "image": "https://i.io/c.png"}}
    )

    response = await client.get(f"/api/profiles/{celeb.username}")

    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": celeb.username, "bio": "famous", "image": "https://i.io/c.png", "following": False}
    }


async def test_unknown_profile_is_404(client: AsyncClient) -> None:
    response = await client.get("/api/profiles/nobody")

    assert response.status_code == 404
    assert response.json() == {"errors": {"profile": ["not found"]}}


async def test_follow_and_unfollow(client: AsyncClient, register: RegisterUser, db: AsyncSession) -> None:
    fan, celeb = await register(), await register()

    followed = await client.post(f"/api/profiles/{celeb.username}/follow", headers=fan.headers)
    seen_by_fan = await client.get(f"/api/profiles/{celeb.username}", headers=fan.headers)
    seen_by_anyone = await client.get(f"/api/profiles/{celeb.username}")
    unfollowed = await client.delete(f"/api/profiles/{celeb.username}/follow", headers=fan.headers)

    assert followed.status_code == 200
    assert followed.json()["profile"]["following"] is True
    assert seen_by_fan.json()["profile"]["following"] is True
    assert seen_by_anyone.json()["profile"]["following"] is False
    assert unfollowed.status_code == 200
    assert unfollowed.json()["profile"]["following"] is False
    assert await db.scalar(select(func.count()).select_from(follows)) == 0


async def test_following_twice_keeps_one_row(client: AsyncClient, register: RegisterUser, db: AsyncSession) -> None:
    fan, celeb = await register(), await register()

    for _ in range(2):
        response = await client.post(f"/api/profiles/{celeb.username}/follow", headers=fan.headers)
        assert response.status_code == 200

    assert await db.scalar(select(func.count()).select_from(follows)) == 1


async def test_unfollowing_someone_not_followed_is_harmless(client: AsyncClient, register: RegisterUser) -> None:
    fan, celeb = await register(), await register()

    response = await client.delete(f"/api/profiles/{celeb.username}/follow", headers=fan.headers)

    assert response.status_code == 200
    assert response.json()["profile"]["following"] is False


async def test_following_yourself_is_422(client: AsyncClient, register: RegisterUser, db: AsyncSession) -> None:
    me = await register()

    response = await client.post(f"/api/profiles/{me.username}/follow", headers=me.headers)

    assert response.status_code == 422
    assert response.json() == {"errors": {"profile": ["is your own; you cannot follow yourself"]}}
    assert await db.scalar(select(func.count()).select_from(follows)) == 0


async def test_follow_needs_a_token_and_an_existing_user(client: AsyncClient, register: RegisterUser) -> None:
    fan, celeb = await register(), await register()

    anonymous = await client.post(f"/api/profiles/{celeb.username}/follow")
    unknown = await client.post("/api/profiles/nobody/follow", headers=fan.headers)
    unknown_unfollow = await client.delete("/api/profiles/nobody/follow", headers=fan.headers)

    assert (anonymous.status_code, unknown.status_code, unknown_unfollow.status_code) == (401, 404, 404)
