import secrets
from collections.abc import Sequence
from typing import Any

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.repository.typing import OrderingPair
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from msgspec import UNSET
from slugify import slugify
from sqlalchemy import ColumnElement, delete, exists, false, select
from sqlalchemy.orm import joinedload, selectinload, with_expression
from sqlalchemy.orm.interfaces import LoaderOption

from conduit.db.models import Article, Tag, User, favorites, follows
from conduit.db.statements import insert_ignoring_duplicates
from conduit.lib.exceptions import NotFoundError, PermissionDeniedError
from conduit.profiles.services import is_followed_by
from conduit.tags.services import TagService

SLUG_MAX_LENGTH = 80
NEWEST_FIRST: list[OrderingPair] = [(Article.created_at, True), (Article.id, True)]


def is_favorited_by(viewer: User | None) -> ColumnElement[bool]:
    """SQL telling whether ``viewer`` favorited the ``Article`` row at hand (false for anonymous viewers)."""
    if viewer is None:
        return false()
    return exists().where(favorites.c.article_id == Article.id, favorites.c.user_id == viewer.id)


def as_seen_by(viewer: User | None) -> list[LoaderOption]:
    """Load articles with their tags, author, and ``favorited``/``following`` as ``viewer`` sees them."""
    return [
        with_expression(Article.favorited, is_favorited_by(viewer)),
        joinedload(Article.author).with_expression(User.following, is_followed_by(viewer)),
        selectinload(Article.tags),
    ]


class ArticleService(SQLAlchemyAsyncRepositoryService[Article]):
    """Articles: writing, listing, feeds and favorites."""

    class Repo(SQLAlchemyAsyncRepository[Article]):
        model_type = Article

        async def slug_taken(self, slug: str) -> bool:
            return await self.exists(slug=slug)

    repository_type = Repo
    # A separate COUNT keeps articlesCount right when the page is past the end.
    count_with_window_function = False

    async def list_articles(
        self,
        viewer: User | None,
        *,
        tag: str | None = None,
        author: str | None = None,
        favorited: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Article], int]:
        """One page of articles, newest first, matching every filter given, and the total that match.

        Args:
            viewer: Who is looking, for ``favorited`` and ``following``.
            tag: Only articles with this tag.
            author: Only articles by the user with this username.
            favorited: Only articles favorited by the user with this username.
            limit: Page size.
            offset: How many matching articles to skip.

        Returns:
            The page and the number of all matching articles.
        """
        filters: list[Any] = []
        if tag is not None:
            filters.append(Article.tags.any(Tag.name == tag))
        if author is not None:
            filters.append(Article.author_id.in_(select(User.id).where(User.username == author)))
        if favorited is not None:
            filters.append(
                Article.id.in_(
                    select(favorites.c.article_id)
                    .join(User, User.id == favorites.c.user_id)
                    .where(User.username == favorited)
                )
            )
        return await self._page(viewer, filters, limit=limit, offset=offset)

    async def feed_for(self, viewer: User, *, limit: int, offset: int) -> tuple[Sequence[Article], int]:
        """One page of articles by the authors ``viewer`` follows, newest first, and their total."""
        followed = select(follows.c.followed_id).where(follows.c.follower_id == viewer.id)
        return await self._page(viewer, [Article.author_id.in_(followed)], limit=limit, offset=offset)

    async def _page(
        self, viewer: User | None, filters: list[Any], *, limit: int, offset: int
    ) -> tuple[Sequence[Article], int]:
        return await self.get_many_and_count(
            *filters,
            LimitOffset(limit=limit, offset=offset),
            order_by=NEWEST_FIRST,
            load=as_seen_by(viewer),
            execution_options={"populate_existing": True},
        )

    async def get_by_slug(self, slug: str, viewer: User | None) -> Article:
        """The article at ``slug``, as ``viewer`` sees it.

        Raises:
            NotFoundError: No article has this slug.
        """
        article = await self.get_one_or_none(
            Article.slug == slug, load=as_seen_by(viewer), execution_options={"populate_existing": True}
        )
        if article is None:
            msg = f"article {slug!r} not found"
            raise NotFoundError(msg)
        return article

    async def write(self, author: User, *, title: str, description: str, body: str, tags: list[str]) -> Article:
        """Publish a new article by ``author``; its slug comes from the title and is unique."""
        article = Article(
            slug=await self._free_slug(title),
            title=title,
            description=description,
            body=body,
            author_id=author.id,
            tags=await self._tag_service().ensure(tags),
        )
        await self.create(article)
        return await self.get_by_slug(article.slug, author)

    async def revise(self, slug: str, editor: User, changes: dict[str, Any]) -> Article:
        """Apply ``changes`` (only the fields that were sent) to the article; a new title brings a new slug.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``editor`` is not the author.
        """
        article = await self.owned_by(slug, editor, "edit")
        changes = {name: value for name, value in changes.items() if value is not UNSET}
        if "tag_list" in changes:
            article.tags = await self._tag_service().ensure(changes.pop("tag_list"))
        if "title" in changes and changes["title"] != article.title:
            article.slug = await self._free_slug(changes["title"])
        for name, value in changes.items():
            setattr(article, name, value)
        await self.update(article)
        return await self.get_by_slug(article.slug, editor)

    async def remove(self, slug: str, user: User) -> None:
        """Delete the article with its comments, tags links and favorites.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``user`` is not the author.
        """
        article = await self.owned_by(slug, user, "delete")
        await self.delete(article.id)

    async def favorite(self, slug: str, user: User) -> Article:
        """Mark the article as a favorite of ``user``; doing it twice is harmless.

        Raises:
            NotFoundError: No article has this slug.
        """
        article = await self.get_by_slug(slug, user)
        await insert_ignoring_duplicates(
            self.repository.session, favorites, [{"user_id": user.id, "article_id": article.id}]
        )
        return await self.get_by_slug(slug, user)

    async def unfavorite(self, slug: str, user: User) -> Article:
        """Remove the article from ``user``'s favorites; doing it twice is harmless.

        Raises:
            NotFoundError: No article has this slug.
        """
        article = await self.get_by_slug(slug, user)
        await self.repository.session.execute(
            delete(favorites).where(favorites.c.user_id == user.id, favorites.c.article_id == article.id)
        )
        return await self.get_by_slug(slug, user)

    async def owned_by(self, slug: str, user: User, action: str) -> Article:
        """The article at ``slug``, provided ``user`` wrote it.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``user`` is not the author; the message says they may not ``action`` it.
        """
        article = await self.get_by_slug(slug, user)
        if article.author_id != user.id:
            msg = f"only the author may {action} this article"
            raise PermissionDeniedError(msg)
        return article

    async def _free_slug(self, title: str) -> str:
        """A URL-safe slug for ``title`` that no article uses yet; any script is transliterated."""
        base = slugify(title, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "article"
        slug = base
        while await self.repository.slug_taken(slug):
            slug = f"{base}-{secrets.token_hex(3)}"
        return slug

    def _tag_service(self) -> TagService:
        return TagService(session=self.repository.session)
