"""The article rules, exercised on the service directly."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.articles.schemas import UpdateArticle
from conduit.articles.services import ArticleService
from conduit.db.models import Tag, User
from conduit.lib.exceptions import NotFoundError, PermissionDeniedError
from conduit.tags.services import TagService

pytestmark = pytest.mark.anyio


async def make_user(db: AsyncSession, name: str) -> User:
    user = User(username=name, email=f"{name}@example.org", password_hash="unused")
    db.add(user)
    await db.flush()
    return user


async def test_slugs_stay_unique_for_any_number_of_equal_titles(db: AsyncSession) -> None:
    service = ArticleService(session=db)
    author = await make_user(db, "writer")

    articles = [await service.write(author, title="Same title", description="d", body="b", tags=[]) for _ in range(5)]

    slugs = [article["slug"] for article in articles]
    assert slugs[0] == "same-title"
    assert len(set(slugs)) == 5
    assert all(slug.startswith("same-title-") for slug in slugs[1:])


async def test_revise_by_someone_else_is_refused_and_changes_nothing(db: AsyncSession) -> None:
    service = ArticleService(session=db)
    author, intruder = await make_user(db, "author"), await make_user(db, "intruder")
    article = await service.write(author, title="Mine", description="d", body="b", tags=["a"])

    with pytest.raises(PermissionDeniedError):
        await service.revise(article["slug"], intruder, UpdateArticle(title="Yours"))

    assert (await service.get_by_slug("mine", author))["title"] == "Mine"


async def test_unknown_slug_raises_not_found(db: AsyncSession) -> None:
    with pytest.raises(NotFoundError):
        await ArticleService(session=db).favorite("missing", await make_user(db, "reader"))


async def test_ensuring_tags_twice_creates_each_once(db: AsyncSession) -> None:
    service = TagService(session=db)

    first = await service.ensure(["python", "sql"])
    second = await service.ensure(["sql", "python", "web"])

    assert {tag.name for tag in first} == {"python", "sql"}
    assert {tag.name for tag in second} == {"python", "sql", "web"}
    assert await db.scalar(select(func.count()).select_from(Tag)) == 3
