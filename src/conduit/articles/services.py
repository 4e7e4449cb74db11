"""Articles: writing, listing, feeds and favorites. Reads are single statements (built once, in ``queries``) that
select exactly the columns a response shows, per-viewer fields and the total included: one round trip a page."""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncSlugRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService, schema_dump
from slugify import slugify
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from conduit.articles.queries import (
    ARTICLE_AT_SLUG,
    ArticlePage,
    Cursor,
    Keyset,
    article_statement,
    newest_statement,
    page_statement,
    total_statement,
)
from conduit.articles.schemas import UpdateArticle
from conduit.articles.search import parse_search, search_page
from conduit.db.models import SLUG_MAX_LENGTH, Article, Tag, User, article_tags, favorites
from conduit.db.statements import (
    ResultRow,
    all_rows,
    dialect_insert,
    insert_ignoring_duplicates,
    read_row,
    read_rows,
    set_link,
)
from conduit.lib.database import is_unique_violation
from conduit.lib.exceptions import PermissionDeniedError, found
from conduit.lib.metrics import ARTICLES_PUBLISHED
from conduit.tags.services import TagService
from conduit.users.rules import DEFAULT_RULES, AccountRules, check_may_publish

SLUG_ATTEMPTS = 5
DENSE_FEED_ARTICLES = 1_000
DENSE_FEED_DEPTH = 200
"""A feed of at least ``DENSE_FEED_ARTICLES`` articles is read by walking the newest articles, down to an offset of
``DENSE_FEED_DEPTH`` (a page found by cursor costs what the first costs, however deep)."""


class SlugUnavailableError(Exception):
    """No free slug was found in several attempts, each taken by a concurrent request (never seen in practice)."""


class ArticleService(SQLAlchemyAsyncRepositoryService[Article]):
    """Articles: writing, listing, feeds and favorites."""

    class Repo(SQLAlchemyAsyncSlugRepository[Article]):
        model_type = Article

        async def page(
            self,
            viewer_id: UUID | None,
            filters: dict[str, str],
            *,
            limit: int,
            offset: int,
            keyset: Keyset = "",
            cursor: Cursor | None = None,
        ) -> ArticlePage:
            """One page of rows matching ``filters`` (``FILTERS`` name: value), newest first, and their total: one
            statement, and a second only when the page is past the end."""
            names = tuple(sorted(filters))
            dialect = self.session.get_bind().dialect.name
            statement = page_statement(dialect, signed_in=viewer_id is not None, filters=names, keyset=keyset)
            values: dict[str, Any] = {**filters, "viewer_id": viewer_id, "limit": limit, "offset": offset}
            if cursor is not None:
                values |= {"cursor_at": cursor.created_at, "cursor_id": cursor.article_id}
            rows = await read_rows(self.session, statement, values)
            if keyset in ("newer", "oldest"):
                rows = rows[::-1]
            if rows:
                return ArticlePage(rows, int(rows[0]["total"] or 0))
            return ArticlePage(rows, int(await self.session.scalar(total_statement(names), values) or 0))

        async def newest(
            self, filters: dict[str, str], viewer_id: UUID | None, *, limit: int, with_body: bool
        ) -> Sequence[ResultRow]:
            """The newest ``limit`` rows matching ``filters`` (``FILTERS`` name: value), in one statement."""
            dialect = self.session.get_bind().dialect.name
            statement = newest_statement(dialect, filters=tuple(sorted(filters)), with_body=with_body)
            values = {**filters, "viewer_id": viewer_id, "limit": limit}
            return await read_rows(self.session, statement, values)

        async def one(self, slug: str, viewer_id: UUID | None) -> ResultRow | None:
            """The full row (body included) of the article at ``slug``."""
            dialect = self.session.get_bind().dialect.name
            statement = article_statement(dialect, signed_in=viewer_id is not None)
            values = {"slug": slug, "viewer_id": viewer_id}
            return await read_row(self.session, statement, values)

        async def get_available_slug(self, value_to_slugify: str, **kwargs: Any) -> str:
            """A slug for ``value_to_slugify`` that no article uses yet.

            Advanced Alchemy's own drops letters outside ASCII; python-slugify transliterates any
            script (``Привет мир`` gives ``privet-mir``). A taken slug gets a random suffix.
            """
            base = slugify(value_to_slugify, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "article"
            slug = base
            while await self.session.scalar(select(exists().where(Article.slug == slug))):
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

        async def file_under(self, article_id: UUID, tag_names: list[str], *, replace: bool) -> None:
            """File the article under ``tag_names`` (creating missing tags); ``replace`` drops its other tags first."""
            if replace:
                await self.session.execute(delete(article_tags).where(article_tags.c.article_id == article_id))
            tags = await TagService(session=self.session, statement=all_rows(Tag)).ensure(tag_names)
            await insert_ignoring_duplicates(
                self.session, article_tags, [{"article_id": article_id, "tag_id": tag.id} for tag in tags]
            )

    repository_type = Repo

    async def list_articles(
        self,
        viewer: User | None,
        *,
        tag: str | None = None,
        author: str | None = None,
        favorited: str | None = None,
        search: str | None = None,
        limit: int,
        offset: int,
        keyset: Keyset = "",
        cursor: Cursor | None = None,
        marked: bool = False,
    ) -> ArticlePage:
        """One page of articles, newest first, matching every filter given, and how many match in all.

        Args:
            viewer: Who is looking, for ``favorited`` and ``following``.
            tag, author, favorited: Only articles with this tag, by this username, favorited by this username.
            search: Only articles matching this search (``articles.search``'s syntax), best match first; empty
                or blank, no search. Pages of a search are found by ``offset`` (``keyset`` and ``cursor`` are
                ignored).
            limit: Page size.
            offset: How many matching articles to skip (counting from ``cursor``, when one is given).
            keyset: Find the page ``older`` or ``newer`` than ``cursor``, or counting from the ``oldest``.
            cursor: Where the page starts.
            marked: With a search, also read each description with the words it matched between
                ``search.MARKS`` (as ``marked_description``).
        """
        given = {"tag": tag, "author": author, "favorited": favorited}
        filters = {name: value for name, value in given.items() if value is not None}
        if search is not None and search.strip():
            query, viewer_id = parse_search(search), viewer.id if viewer else None
            session = self.repository.session
            return await search_page(session, viewer_id, query, filters, limit=limit, offset=offset, marked=marked)
        found: ArticlePage = await self.repository.page(
            viewer.id if viewer else None, filters, limit=limit, offset=offset, keyset=keyset, cursor=cursor
        )
        return found

    async def feed_for(
        self, viewer: User, *, limit: int, offset: int, keyset: Keyset = "", cursor: Cursor | None = None
    ) -> ArticlePage:
        """One page of articles by the authors ``viewer`` follows, newest first, and their total.

        A reader whose followed authors wrote many articles gets the page by walking the newest articles (a
        shallow page of it meets enough of theirs soon); anyone else by reading what their authors wrote.
        """
        dense = viewer.feed_articles_count >= DENSE_FEED_ARTICLES and (cursor is not None or offset <= DENSE_FEED_DEPTH)
        found: ArticlePage = await self.repository.page(
            viewer.id, {"dense feed" if dense else "feed": ""}, limit=limit, offset=offset, keyset=keyset, cursor=cursor
        )
        return found

    async def newest(
        self,
        *,
        tag: str | None = None,
        author: str | None = None,
        followed_by: User | None = None,
        limit: int,
        with_body: bool,
    ) -> Sequence[ResultRow]:
        """The newest articles matching every filter given, as a feed of them shows them to anyone.

        Args:
            tag, author: Only articles with this tag, by the user with this username.
            followed_by: Only articles by the authors this user follows.
            limit: How many articles at most.
            with_body: Every column of an article (body included); else only what changes when the feed does
                (``id``, ``updated_at``, ``author_updated_at``), which is cheap enough to answer a conditional
                request with. Either way each row (see ``queries.article_rows``) has ``author_updated_at``.
        """
        given = {"tag": tag, "author": author, "feed": "" if followed_by else None}
        filters = {name: value for name, value in given.items() if value is not None}
        viewer_id = followed_by.id if followed_by else None
        rows: Sequence[ResultRow] = await self.repository.newest(filters, viewer_id, limit=limit, with_body=with_body)
        return rows

    async def get_by_slug(self, slug: str, viewer: User | None) -> ResultRow:
        """The article at ``slug``, as ``viewer`` sees it.

        Raises:
            NotFoundError: No article has this slug.
        """
        row: ResultRow | None = await self.repository.one(slug, viewer.id if viewer else None)
        return found(row, "article")

    async def write(
        self,
        viewer: User,
        *,
        title: str,
        description: str,
        body: str,
        tags: list[str],
        rules: AccountRules = DEFAULT_RULES,
    ) -> ResultRow:
        """Publish a new article by ``viewer``; its slug comes from the title and is unique.

        Raises:
            PermissionDeniedError: The rules want a confirmed address, and ``viewer`` has not confirmed theirs.
        """
        check_may_publish(viewer, rules)
        fields = {"title": title, "description": description, "body": body, "author_id": viewer.id}
        for _ in range(SLUG_ATTEMPTS):
            slug = await self.repository.get_available_slug(title)
            if (article_id := await self.repository.add_unless_slug_taken(slug, fields)) is not None:
                break
        else:
            raise SlugUnavailableError(title)
        await self.repository.file_under(article_id, tags, replace=False)
        ARTICLES_PUBLISHED.inc()
        return await self.get_by_slug(slug, viewer)

    async def revise(self, slug: str, viewer: User, changes: UpdateArticle) -> ResultRow:
        """Apply ``changes`` (only the fields that were sent) to the article; a new title brings a new slug.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``viewer`` is not the author.
        """
        article = await self.owned_by(slug, viewer)
        sent = schema_dump(changes)
        if "tag_list" in sent:
            await self.repository.file_under(article.id, sent.pop("tag_list"), replace=True)
            sent["updated_at"] = datetime.now(UTC)  # the tags are part of the article (and of its feeds' entries)
        retitled = "title" in sent and sent["title"] != article.title
        if sent:
            await self.update(sent, item_id=article.id)
        if retitled:
            for _ in range(SLUG_ATTEMPTS):
                slug = await self.repository.get_available_slug(sent["title"])
                if await self.repository.move_unless_slug_taken(article.id, slug):
                    break
            else:
                raise SlugUnavailableError(sent["title"])
        return await self.get_by_slug(slug, viewer)

    async def remove(self, slug: str, viewer: User) -> None:
        """Delete the article with its comments, tag links and favorites.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``viewer`` is not the author.
        """
        article = await self.owned_by(slug, viewer)
        await self.delete(article.id)

    async def favorite(self, slug: str, viewer: User, *, undo: bool = False) -> ResultRow:
        """Mark the article as a favorite of ``viewer`` (with ``undo``, no longer); doing either twice is harmless.

        The answer is the article as read just before the write, moved to the state the write leaves: favorited
        (or not), counted one more (or one less) if the read saw the other state. A favorite by someone else in
        between is counted by the next read, as it would be had it come just after this one.

        Raises:
            NotFoundError: No article has this slug.
        """
        article = await self.get_by_slug(slug, viewer)
        owner, target = favorites.c.user_id, favorites.c.article_id
        favorited = not undo
        await set_link(
            self.repository.session, owner, viewer.id, target, ARTICLE_AT_SLUG, {"slug": slug}, linked=favorited
        )
        if article["favorited"] == favorited:
            return article
        count = article["favorites_count"] + (1 if favorited else -1)
        return {**article, "favorited": favorited, "favorites_count": count}

    async def owned_by(self, slug: str, viewer: User) -> Article:
        """The article at ``slug``, provided ``viewer`` wrote it.

        Raises:
            NotFoundError: No article has this slug.
            PermissionDeniedError: ``viewer`` is not the author.
        """
        article = found(await self.get_one_or_none(Article.slug == slug), "article")
        if article.author_id != viewer.id:
            raise PermissionDeniedError("article")
        return article
