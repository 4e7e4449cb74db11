"""Articles: writing, listing, feeds and favorites."""

import secrets
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncSlugRepository
from advanced_alchemy.repository.typing import OrderingPair
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService, schema_dump
from slugify import slugify
from sqlalchemy import ColumnElement, delete, exists, false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload, with_expression
from sqlalchemy.orm.interfaces import LoaderOption

from conduit.articles.schemas import UpdateArticle
from conduit.db.models import Article, Tag, User, article_tags, favorites, follows
from conduit.db.statements import dialect_insert, insert_ignoring_duplicates
from conduit.lib.exceptions import NotFoundError, PermissionDeniedError, is_unique_violation
from conduit.lib.metrics import ARTICLES_PUBLISHED
from conduit.profiles.services import is_followed_by
from conduit.tags.services import TagService

SLUG_MAX_LENGTH = 80
SLUG_ATTEMPTS = 5
NEWEST_FIRST: list[OrderingPair] = [(Article.created_at, True), (Article.id, True)]


class SlugUnavailableError(Exception):
    """No free slug was found in several attempts, each taken by a concurrent request (never seen in practice)."""


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

    class Repo(SQLAlchemyAsyncSlugRepository[Article]):
        model_type = Article

        async def get_available_slug(self, value_to_slugify: str, **kwargs: Any) -> str:
            """A slug for ``value_to_slugify`` that no article uses yet.

            Advanced Alchemy's own drops letters outside ASCII; python-slugify transliterates any
            script (``Привет мир`` gives ``privet-mir``). A taken slug gets a random suffix.
            """
            base = slugify(value_to_slugify, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "article"
            slug = base
            while not await self._is_slug_unique(slug):
                slug = f"{base}-{secrets.token_hex(3)}"
            return slug

        async def add_unless_slug_taken(self, slug: str, fields: dict[str, Any]) -> UUID | None:
            """Insert an article at ``slug``; None when a concurrent request took the slug first."""
            statement = dialect_insert(self.session, Article).values(slug=slug, **fields)
            return await self.session.scalar(
                statement.on_conflict_do_nothing(index_elements=[Article.slug]).returning(Article.id)
            )

        async def move_unless_slug_taken(self, article_id: UUID, slug: str) -> bool:
            """Give the article ``slug``; False when a concurrent request took it first (nothing changes then)."""
            try:
                async with self.session.begin_nested():
                    await self.session.execute(update(Article).where(Article.id == article_id).values(slug=slug))
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    return False
                raise
            return True

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
        tag_rows = await self._tag_service().ensure(tags)
        fields = {"title": title, "description": description, "body": body, "author_id": author.id}
        for _ in range(SLUG_ATTEMPTS):
            slug = await self.repository.get_available_slug(title)
            if (article_id := await self.repository.add_unless_slug_taken(slug, fields)) is not None:
                break
        else:
            raise SlugUnavailableError(title)
        await insert_ignoring_duplicates(
            self.repository.session, article_tags, [{"article_id": article_id, "tag_id": tag.id} for tag in tag_rows]
        )
        ARTICLES_PUBLISHED.inc()
        return await self.get_by_slug(slug, author)

    async def revise(self, slug: str, editor: User, changes: UpdateArticle) -> Article:
        """Apply ``changes`` (only the fields that were sent) to the article; a new title brings a new slug.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``editor`` is not the author.
        """
        article = await self.owned_by(slug, editor, "edit")
        sent = schema_dump(changes)
        if "tag_list" in sent:
            article.tags = await self._tag_service().ensure(sent.pop("tag_list"))
        retitled = "title" in sent and sent["title"] != article.title
        for name, value in sent.items():
            setattr(article, name, value)
        await self.update(article)
        if retitled:
            for _ in range(SLUG_ATTEMPTS):
                new_slug = await self.repository.get_available_slug(article.title)
                if await self.repository.move_unless_slug_taken(article.id, new_slug):
                    break
            else:
                raise SlugUnavailableError(article.title)
            article.slug = new_slug
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

    def _tag_service(self) -> TagService:
        return TagService(session=self.repository.session)
