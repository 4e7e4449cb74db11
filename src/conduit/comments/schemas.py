"""Comment payloads of the API."""

from typing import Annotated

from msgspec import Meta, Struct

from conduit.db.models import Comment
from conduit.lib.schema import Timestamp, format_timestamp
from conduit.profiles.schemas import Profile


class NewComment(Struct):
    body: Annotated[str, Meta(min_length=1, max_length=20_000)]

    def __post_init__(self) -> None:
        self.body = self.body.strip()
        if not self.body:
            msg = "body can't be blank"
            raise ValueError(msg)


class NewCommentRequest(Struct):
    comment: NewComment


class CommentView(Struct, rename="camel"):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: Profile

    @classmethod
    def of(cls, comment: Comment) -> "CommentView":
        return cls(
            id=comment.id,
            created_at=format_timestamp(comment.created_at),
            updated_at=format_timestamp(comment.updated_at),
            body=comment.body,
            author=Profile.of(comment.author),
        )


class CommentResponse(Struct):
    comment: CommentView


class CommentsResponse(Struct):
    comments: list[CommentView]
