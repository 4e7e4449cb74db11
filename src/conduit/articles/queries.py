"""The statements behind the article pages, built once per dialect and combination of filters.

Values (the viewer, the filters' names, the page's place) are bound when a statement runs, so a
request pays for neither building nor compiling SQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    exists,
    false,
    func,
    select,
    true,
    tuple_,
)

from conduit.db.models import ARTICLES_TOTAL, Article, Tag, User, article_tags, counters, favorites, follows
from conduit.db.statements import ResultRow, sorted_names
from conduit.profiles.services import VIEWER, followed_by, is_followed_by

NEWEST_FIRST = (Article.created_at.desc(), Article.id.desc())
ARTICLE_AT_SLUG = select(Article.id).where(Article.slug == bindparam("slug"))
"""The id of the article at the slug bound as ``slug`` (which a favorite links to)."""

TAG_NAME: ColumnElement[str] = Tag.__table__.c.name
FILTERS: dict[str, ColumnElement[bool]] = {
    "tag": exists().where(
        article_tags.c.article_id == Article.id,
        article_tags.c.tag_id == select(Tag.id).where(Tag.name == bindparam("tag")).scalar_subquery(),
    ),
    "author": Article.author_id == select(User.id).where(User.username == bindparam("author")).scalar_subquery(),
    "favorited": Article.id.in_(
        select(favorites.c.article_id).where(
            favorites.c.user_id == select(User.id).where(User.username == bindparam("favorited")).scalar_subquery()
        )
    ),
    "feed": Article.author_id.in_(followed_by(VIEWER)),
    # OFFSET 0 keeps PostgreSQL from turning the check into a join: the page walks the newest-first index and
    # probes the follows' primary key per article, whatever plan a prepared statement settled on for other readers.
    "dense feed": exists(followed_by(VIEWER).where(follows.c.followed_id == Article.author_id).offset(0)),
}
"""The article filters, by name; their values are bound (as ``tag``, ``author``, ``favorited``) when a page is read.
The feed has two: ``feed`` reads the followed authors' articles through their index ranges, which costs what they
wrote; ``dense feed`` walks all articles newest first and keeps the followed authors', which costs the page divided
by the share of articles the reader follows (``ArticleService.feed_for`` chooses)."""
FEEDS = frozenset({"feed", "dense feed"})
"""The filters that keep only the articles of authors the bound viewer follows."""
FEED_TOTAL = select(User.feed_articles_count).where(User.id == VIEWER)
"""The feed's total, kept on the reader's own row, whichever way its page is found."""
COUNTERS: dict[str, Select[Any]] = {
    "": select(counters.c.value).where(counters.c.name == ARTICLES_TOTAL),
    "tag": select(Tag.articles_count).where(Tag.name == bindparam("tag")),
    "author": select(User.articles_count).where(User.username == bindparam("author")),
    "favorited": select(User.favorites_count).where(User.username == bindparam("favorited")),
    "feed": FEED_TOTAL,
    "dense feed": FEED_TOTAL,
}
"""Where the total of a list with no filter or a single one is kept; other combinations are counted."""


def is_favorited_by(viewer_id: Any) -> ColumnElement[bool]:
    """SQL telling whether the viewer (an id, or a bound parameter) favorited the ``Article`` row at hand."""
    return exists().where(favorites.c.article_id == Article.id, favorites.c.user_id == viewer_id)


@cache
def article_rows(dialect: str, *, signed_in: bool, with_body: bool = False, followed: bool = False) -> Select[Any]:
    """The columns an article response shows (author and tags included), as the bound viewer sees them.

    With ``followed`` the rows are known to be by authors the viewer follows (a feed's), so ``author_following`` is
    true without a look at the follows. Built once per combination; callers add the filter and the order.
    """
    following = true() if followed else is_followed_by(VIEWER) if signed_in else false()
    columns: list[Any] = [
        Article.id,
        Article.slug,
        Article.title,
        Article.description,
        Article.created_at,
        Article.updated_at,
        Article.favorites_count,
        (is_favorited_by(VIEWER) if signed_in else false()).label("favorited"),
        sorted_names(
            dialect, Tag.__table__.c.name, article_tags.join(Tag), article_tags.c.article_id == Article.id
        ).label("tag_list"),
        User.username.label("author_username"),
        User.bio.label("author_bio"),
        User.image.label("author_image"),
        following.label("author_following"),
    ]
    if with_body:
        columns.append(Article.body)
    return select(*columns).join(User, User.id == Article.author_id)


@cache
def article_statement(dialect: str, *, signed_in: bool) -> Select[Any]:
    """The whole article (body included) at the slug bound as ``slug``."""
    return article_rows(dialect, signed_in=signed_in, with_body=True).where(Article.slug == bindparam("slug"))


@dataclass(frozen=True)
class ArticlePage:
    """One page of article rows (see ``article_rows``) and how many articles match in all."""

    rows: Sequence[ResultRow]
    total: int


@dataclass(frozen=True)
class Cursor:
    """A place in the newest-first order of articles: just after (or before) the article it names.

    Pages reached through a cursor cost what the first page costs, however deep they are.
    """

    created_at: datetime
    article_id: UUID

    def encode(self) -> str:
        """The cursor as a URL-safe token: microseconds since the epoch, a dot, the article id."""
        return f"{(self.created_at - EPOCH) // timedelta(microseconds=1)}.{self.article_id.hex}"

    @classmethod
    def decode(cls, token: str) -> "Cursor | None":
        """The cursor ``token`` stands for, or None when it is not one."""
        micros, _, article_id = token.partition(".")
        try:
            return cls(EPOCH + timedelta(microseconds=int(micros)), UUID(hex=article_id))
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, row: ResultRow) -> "Cursor":
        """The cursor at an article row."""
        return cls(row["created_at"], row["id"])


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Keyset = Literal["", "older", "newer", "oldest"]
"""How a page is found: by offset (``""``); older or newer than a cursor; or counting from the oldest article."""
PLACE = tuple_(Article.created_at, Article.id)
CURSOR = tuple_(bindparam("cursor_at", type_=Article.created_at.type), bindparam("cursor_id", type_=Article.id.type))
KEYSETS: dict[Keyset, ColumnElement[bool] | None] = {
    "": None,
    "older": PLACE < CURSOR,
    "newer": PLACE > CURSOR,
    "oldest": None,
}
OLDEST_FIRST = (Article.created_at.asc(), Article.id.asc())


@cache
def page_statement(dialect: str, *, signed_in: bool, filters: tuple[str, ...], keyset: Keyset = "") -> Select[Any]:
    """A page of article rows matching ``filters`` (names of ``FILTERS``), with the total.

    The index finds the page's ids before the rows are read, so a deep offset reads index entries only,
    and a page found by cursor reads just its own. Pages found from newer to older rows (``newer``,
    ``oldest``) come oldest first.
    """
    order = OLDEST_FIRST if keyset in ("newer", "oldest") else NEWEST_FIRST
    where = [FILTERS[name] for name in filters]
    if (place := KEYSETS[keyset]) is not None:
        where.append(place)
    page_ids = (
        select(Article.id)
        .where(*where)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    followed = signed_in and bool(FEEDS.intersection(filters))
    return (
        article_rows(dialect, signed_in=signed_in, followed=followed)
        .add_columns(total_statement(filters).scalar_subquery().label("total"))
        .join(page_ids, page_ids.c.id == Article.id)
        .order_by(*order)
    )


@cache
def newest_statement(dialect: str, *, filters: tuple[str, ...], with_body: bool) -> Select[Any]:
    """The newest articles matching ``filters`` (at most the bound ``limit``), as anyone sees them.

    With ``with_body``, every column of ``article_rows`` and the body; without, only what tells whether they
    changed: their ids and when they and their authors were last updated.
    """
    columns: Select[Any] = article_rows(dialect, signed_in=False, with_body=True)
    if not with_body:
        changes: list[Any] = [Article.id, Article.updated_at]
        columns = select(*changes).join(User, User.id == Article.author_id)
    return (
        columns.add_columns(User.updated_at.label("author_updated_at"))
        .where(*(FILTERS[name] for name in filters))
        .order_by(*NEWEST_FIRST)
        .limit(bindparam("limit"))
    )


@cache
def total_statement(filters: tuple[str, ...]) -> Select[Any]:
    """How many articles match ``filters``: a counter's value where one is kept, else a count."""
    if len(filters) <= 1:
        return COUNTERS[filters[0] if filters else ""]
    return select(func.count()).select_from(Article).where(*(FILTERS[name] for name in filters))
