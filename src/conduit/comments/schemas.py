"""Comment payloads of the API."""

from typing import Annotated

from msgspec import Struct

from conduit.db.models import User
from conduit.db.statements import ResultRow
from conduit.lib.schema import Timestamp, format_timestamp, not_blank
from conduit.profiles.schemas import Profile


class NewComment(Struct):
    body: Annotated[str, not_blank(max_length=20_000)]

    def __post_init__(self) -> None:
        self.body = self.body.strip()


class NewCommentRequest(Struct):
    comment: NewComment


class CommentView(Struct, rename="camel"):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: Profile

    @classmethod
    def of(cls, row: ResultRow) -> "CommentView":
        """A comment row with its author (as ``CommentService.on_article`` reads them)."""
        return cls(
            id=row["id"],
            created_at=format_timestamp(row["created_at"]),
            updated_at=format_timestamp(row["updated_at"]),
            body=row["body"],
            author=Profile.of_author(row),
        )

    @classmethod
    def new(cls, row: ResultRow, body: str, author: User) -> "CommentView":
        """A comment just written by ``author`` (``row``: its id and timestamps)."""
        return cls(
            id=row["id"],
            created_at=format_timestamp(row["created_at"]),
            updated_at=format_timestamp(row["updated_at"]),
            body=body,
            author=Profile(username=author.username, bio=author.bio, image=author.image, following=False),
        )


class CommentResponse(Struct):
    comment: CommentView


class CommentsResponse(Struct):
    comments: list[CommentView]
