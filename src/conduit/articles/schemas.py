"""Article payloads of the API: what clients send and what they get back."""

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from conduit.db.statements import ResultRow
from conduit.lib.schema import Timestamp, format_timestamp, not_blank
from conduit.profiles.schemas import Profile

Title = Annotated[str, not_blank(max_length=255)]
Description = Annotated[str, not_blank(max_length=1_000)]
Body = Annotated[str, not_blank(max_length=100_000)]
TagName = Annotated[str, Meta(max_length=64)]
TagList = Annotated[list[TagName], Meta(max_length=20)]


def _clean_tags(tags: list[str]) -> list[str]:
    """Tags stripped of surrounding space, blanks dropped, each once, in the order given."""
    return list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def _strip(struct: Struct, *names: str) -> None:
    for name in names:
        if isinstance(value := getattr(struct, name), str):
            setattr(struct, name, value.strip())


class NewArticle(Struct, rename="camel"):
    title: Title
    description: Description
    body: Body
    tag_list: TagList = []

    def __post_init__(self) -> None:
        _strip(self, "title", "description", "body")
        self.tag_list = _clean_tags(self.tag_list)


class NewArticleRequest(Struct):
    article: NewArticle


class UpdateArticle(Struct, rename="camel"):
    """Fields left out stay as they are; ``tagList``, when sent, replaces the tags."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    tag_list: TagList | UnsetType = UNSET

    def __post_init__(self) -> None:
        if all(getattr(self, name) is UNSET for name in self.__struct_fields__):
            msg = "must contain at least one field to change"
            raise ValueError(msg)
        _strip(self, "title", "description", "body")
        if self.tag_list is not UNSET:
            self.tag_list = _clean_tags(self.tag_list)


class UpdateArticleRequest(Struct):
    article: UpdateArticle


class ArticleSummary(Struct, rename="camel"):
    """An article as listed: everything but the body."""

    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    favorited: bool
    favorites_count: int
    author: Profile

    @classmethod
    def of(cls, row: ResultRow) -> "ArticleSummary":
        """The summary of an article row (as ``ArticleService`` reads them)."""
        return cls(*_summary_fields(row))


class ArticleDetail(ArticleSummary, rename="camel"):
    body: str

    @classmethod
    def of(cls, row: ResultRow) -> "ArticleDetail":
        """The whole article, from a row read with its body."""
        return cls(*_summary_fields(row), row["body"])


def _summary_fields(row: ResultRow) -> tuple[str, str, str, list[str], str, str, bool, int, Profile]:
    """The fields of ``ArticleSummary``, in order (positional: a page builds many of these)."""
    return (
        row["slug"],
        row["title"],
        row["description"],
        row["tag_list"],
        format_timestamp(row["created_at"]),
        format_timestamp(row["updated_at"]),
        row["favorited"],
        row["favorites_count"],
        Profile.of_author(row),
    )


class ArticleResponse(Struct):
    article: ArticleDetail


class ArticlesResponse(Struct, rename="camel"):
    articles: list[ArticleSummary]
    articles_count: int
