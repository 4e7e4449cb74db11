"""Tags: the vocabulary articles are filed under, and which of it is popular."""

from collections.abc import Sequence

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import bindparam, select

from conduit.db.models import Tag
from conduit.db.statements import insert_ignoring_duplicates

POPULAR_TAGS = 20
"""How many tags the tags list and the home page show."""

BY_POPULARITY = (
    select(Tag.name)
    .where(Tag.articles_count > 0)
    .order_by(Tag.articles_count.desc(), Tag.name)
    .limit(bindparam("limit"))
)
"""Built once: tag names, the most used first, then alphabetically; unused tags are left out."""


class TagService(SQLAlchemyAsyncRepositoryService[Tag]):
    """The vocabulary articles are filed under."""

    class Repo(SQLAlchemyAsyncRepository[Tag]):
        model_type = Tag

        async def names_by_popularity(self, limit: int) -> list[str]:
            """Tag names, the most used first, then alphabetically; unused tags are left out.

            The counts are kept by the database as articles are tagged, and read from the top of an index.
            """
            return list(await self.session.scalars(BY_POPULARITY, {"limit": limit}))

    repository_type = Repo

    async def popular(self, limit: int) -> list[str]:
        """The ``limit`` most used tag names."""
        names: list[str] = await self.repository.names_by_popularity(limit)
        return names

    async def ensure(self, names: Sequence[str]) -> list[Tag]:
        """The tags called ``names``, created where missing, even when another request creates them concurrently."""
        if not names:
            return []
        await insert_ignoring_duplicates(self.repository.session, Tag.__table__, [{"name": name} for name in names])  # type: ignore[arg-type]
        return list(await self.get_many(Tag.name.in_(names)))
