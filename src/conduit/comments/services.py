"""Comments on articles."""

from collections.abc import Sequence
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from conduit.db.models import Article, Comment, User
from conduit.lib.exceptions import NotFoundError, PermissionDeniedError
from conduit.lib.metrics import COMMENTS_POSTED
from conduit.profiles.services import is_followed_by

LARGEST_ID = 2**63 - 1
"""Comment ids are 64-bit integers: a larger one cannot name a comment (and the database would refuse it)."""


def as_seen_by(viewer: User | None) -> list[LoaderOption]:
    """Load comments with their author, ``following`` as ``viewer`` sees it."""
    return [joinedload(Comment.author).with_expression(User.following, is_followed_by(viewer))]


class CommentService(SQLAlchemyAsyncRepositoryService[Comment]):
    """Comments on articles."""

    class Repo(SQLAlchemyAsyncRepository[Comment]):
        model_type = Comment

        async def article_id(self, slug: str) -> UUID:
            """The id of the article at ``slug``.

            Raises:
                NotFoundError: No article has this slug.
            """
            article_id = await self.session.scalar(select(Article.id).where(Article.slug == slug))
            if article_id is None:
                msg = f"article {slug!r} not found"
                raise NotFoundError(msg)
            return article_id

    repository_type = Repo

    async def on_article(self, slug: str, viewer: User | None) -> Sequence[Comment]:
        """The comments on the article at ``slug``, oldest first.

        Raises:
            NotFoundError: No article has this slug.
        """
        article_id = await self.repository.article_id(slug)
        return await self.get_many(
            Comment.article_id == article_id,
            order_by=[(Comment.created_at, False), (Comment.id, False)],
            load=as_seen_by(viewer),
            execution_options={"populate_existing": True},
        )

    async def add(self, slug: str, author: User, body: str) -> Comment:
        """Comment on the article at ``slug`` as ``author``.

        Raises:
            NotFoundError: No article has this slug.
        """
        article_id = await self.repository.article_id(slug)
        comment = await self.create(Comment(article_id=article_id, author_id=author.id, body=body))
        COMMENTS_POSTED.inc()
        return await self.get_one(
            Comment.id == comment.id, load=as_seen_by(author), execution_options={"populate_existing": True}
        )

    async def remove(self, slug: str, comment_id: int, user: User) -> None:
        """Delete a comment; only its author may.

        Raises:
            NotFoundError: No article has this slug, or the comment is not on it.
            PermissionDeniedError: ``user`` did not write the comment.
        """
        article_id = await self.repository.article_id(slug)
        comment = None
        if 0 < comment_id <= LARGEST_ID:
            comment = await self.get_one_or_none(Comment.id == comment_id, Comment.article_id == article_id)
        if comment is None:
            msg = f"comment {comment_id} not found on article {slug!r}"
            raise NotFoundError(msg)
        if comment.author_id != user.id:
            msg = "only the author may delete this comment"
            raise PermissionDeniedError(msg)
        await self.delete(comment.id)
