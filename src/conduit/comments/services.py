"""Comments on articles: each read or write is one statement in the usual case."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import Result, Select, and_, bindparam, delete, false, insert, literal, select

from conduit.db.models import Article, Comment, User
from conduit.db.statements import ResultRow, read_rows
from conduit.lib.exceptions import NotFoundError, PermissionDeniedError, found
from conduit.lib.metrics import COMMENTS_POSTED
from conduit.notifications.services import NO_NOTIFICATIONS, NotificationRules, NotificationService
from conduit.profiles.services import VIEWER, is_followed_by

LARGEST_ID = 2**63 - 1
"""Comment ids are 64-bit integers: a larger one cannot name a comment (and the database would refuse it)."""


@cache
def comments_statement(*, signed_in: bool) -> Select[Any]:
    """The comments on the article bound as ``slug``, oldest first, with their authors as the bound viewer sees them.

    An article without comments gives one row of NULLs, an unknown slug none.
    """
    columns: list[Any] = [
        Comment.id,
        Comment.created_at,
        Comment.updated_at,
        Comment.body,
        User.username.label("author_username"),
        User.bio.label("author_bio"),
        User.image.label("author_image"),
        (is_followed_by(VIEWER) if signed_in else false()).label("author_following"),
    ]
    return (
        select(*columns)
        .select_from(Article)
        .outerjoin(Comment, Comment.article_id == Article.id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Article.slug == bindparam("slug"))
        .order_by(Comment.created_at, Comment.id)
    )


class CommentService(SQLAlchemyAsyncRepositoryService[Comment]):
    """Comments on articles."""

    class Repo(SQLAlchemyAsyncRepository[Comment]):
        model_type = Comment

    repository_type = Repo

    async def on_article(self, slug: str, viewer: User | None) -> Sequence[ResultRow]:
        """The comments on the article at ``slug``, oldest first, with their authors as ``viewer`` sees them.

        Raises:
            NotFoundError: No article has this slug.
        """
        statement = comments_statement(signed_in=viewer is not None)
        values = {"slug": slug, "viewer_id": viewer.id if viewer else None}
        rows = await read_rows(self.repository.session, statement, values)
        if not rows:
            raise NotFoundError("article")
        return [row for row in rows if row["id"] is not None]

    async def add(self, slug: str, viewer: User, body: str, notify: NotificationRules = NO_NOTIFICATIONS) -> ResultRow:
        """Comment on the article at ``slug`` as ``viewer``; returns ``id``, ``created_at``, ``updated_at``. The
        comment is a notification for the article's author, when ``notify`` says notifications are on.

        Raises:
            NotFoundError: No article has this slug.
        """
        chosen = select(literal(body, Comment.body.type), Article.id, literal(viewer.id, Comment.author_id.type)).where(
            Article.slug == slug
        )
        statement = (
            insert(Comment)
            .from_select(["body", "article_id", "author_id"], chosen)
            .returning(Comment.id, Comment.created_at, Comment.updated_at)
        )
        result: Result[Any] = await self.repository.session.execute(statement)
        row: ResultRow = found(result.mappings().one_or_none(), "article")
        await NotificationService(session=self.repository.session).commented(viewer, slug, body, notify)
        COMMENTS_POSTED.inc()
        return row

    async def remove(self, slug: str, comment_id: int, viewer: User) -> None:
        """Delete a comment; only its author may.

        Raises:
            NotFoundError: No article has this slug (``article``), or the comment is not on it (``comment``).
            PermissionDeniedError: ``viewer`` did not write the comment.
        """
        session = self.repository.session
        in_range = 0 < comment_id <= LARGEST_ID
        if in_range:
            on_article = Comment.article_id == select(Article.id).where(Article.slug == slug).scalar_subquery()
            deleted = await session.scalar(
                delete(Comment)
                .where(Comment.id == comment_id, on_article, Comment.author_id == viewer.id)
                .returning(Comment.id)
            )
            if deleted is not None:
                return
        the_comment = and_(Comment.article_id == Article.id, Comment.id == comment_id) if in_range else false()
        statement = select(Article.id, Comment.author_id).outerjoin(Comment, the_comment).where(Article.slug == slug)
        refused = found((await session.execute(statement)).one_or_none(), "article")
        if refused.author_id is None:
            raise NotFoundError("comment")
        raise PermissionDeniedError("comment")
