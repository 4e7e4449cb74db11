"""Paging through article lists: a window of at most nine links, each finding its page from a cursor.

A link to page *t* from page *c* says "the articles older than the last one shown here, skipping
(t - c - 1) pages" (or newer than the first, going back), and the last page is "the oldest few".
Every page is therefore found from an index position a few rows away, so page 5,000 costs what
page 1 costs. A bare ``?page=N`` (typed by hand) still works, by offset.
"""

import math
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from conduit.articles.queries import ArticlePage, Cursor, Keyset

PAGE_SIZE = 10
WINDOW = 2
"""Pages shown on each side of the current one."""

PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=10_000_000)]
OlderThan = Annotated[str | None, QueryParameter(name="older_than", max_length=64)]
NewerThan = Annotated[str | None, QueryParameter(name="newer_than", max_length=64)]
Skip = Annotated[int, QueryParameter(name="skip", ge=0, le=WINDOW * PAGE_SIZE)]
Oldest = Annotated[int | None, QueryParameter(name="oldest", ge=1, le=PAGE_SIZE)]


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list a request asks for, and how to find it."""

    number: int
    keyset: Keyset
    cursor: Cursor | None
    offset: int
    limit: int

    @classmethod
    def of(
        cls, number: int, older_than: str | None, newer_than: str | None, skip: int, oldest: int | None
    ) -> "PageRequest":
        """The page the query parameters name; a malformed cursor falls back to finding the page by offset."""
        if oldest is not None:
            return cls(number, "oldest", None, 0, oldest)
        for keyset, token in (("older", older_than), ("newer", newer_than)):
            if token and (cursor := Cursor.decode(token)) is not None:
                return cls(number, keyset, cursor, skip, PAGE_SIZE)  # type: ignore[arg-type]
        return cls(number, "", None, (number - 1) * PAGE_SIZE, PAGE_SIZE)

    @classmethod
    def by_offset(cls, number: int) -> "PageRequest":
        """Page ``number``, found by offset: for lists not in the articles' order of age (search results)."""
        return cls.of(number, None, None, 0, None)

    def query(self) -> dict[str, Any]:
        """The arguments of ``ArticleService.list_articles`` that find this page."""
        return {"limit": self.limit, "offset": self.offset, "keyset": self.keyset, "cursor": self.cursor}


async def provide_page_request(
    number: PageNumber = 1,
    older_than: OlderThan = None,
    newer_than: NewerThan = None,
    skip: Skip = 0,
    oldest: Oldest = None,
) -> PageRequest:
    """``page_request``: the page of an article list its query parameters ask for."""
    return PageRequest.of(number, older_than, newer_than, skip, oldest)


Page = NamedDependency[PageRequest]
"""A handler parameter ``page_request``: the page of a list its query parameters ask for."""


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str
    current: bool = False
    description: str = ""


def page_links(
    request: Request[Any, Any, Any], asked: PageRequest, found: ArticlePage, *, by_offset: bool = False
) -> list[PageLink]:
    """First, previous, a window around the current page, next, last: at most nine links.

    ``by_offset``: the links say only the page's number (``?page=N``), for lists found by offset.
    """
    pages = max(math.ceil(found.total / PAGE_SIZE), 1)
    current = min(asked.number, pages)
    if pages == 1 or not found.rows:
        return []
    window = range(max(current - WINDOW, 1), min(current + WINDOW, pages) + 1)

    def url(target: int) -> str:
        return _url(request, found, by_offset, current, target, pages)

    links = []
    if current > 1:
        links += [PageLink("«", url(1), description="First page")]
        links += [PageLink("\u2039", url(current - 1), description="Previous page")]
    links += [PageLink(str(number), url(number), number == current) for number in window]
    if current < pages:
        links += [PageLink("\u203a", url(current + 1), description="Next page")]
        links += [PageLink("»", url(pages), description="Last page")]
    return links


def _url(
    request: Request[Any, Any, Any], found: ArticlePage, by_offset: bool, current: int, target: int, pages: int
) -> str:
    """The address of page ``target``, found from the page shown (``current``), or by its number alone."""
    kept = {
        key: value
        for key, value in request.query_params.items()
        if key not in ("page", "older_than", "newer_than", "skip", "oldest")
    }
    if target == current:
        return str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    place = {} if by_offset else _cursor_place(found, current, target, pages)
    params = {**kept, **({"page": target} if target > 1 else {}), **{k: v for k, v in place.items() if v}}
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


def _cursor_place(found: ArticlePage, current: int, target: int, pages: int) -> dict[str, Any]:
    """Where page ``target`` starts, counted from the rows of the page shown (``current``); page 1 needs nothing."""
    if target == pages:
        return {"oldest": found.total - (pages - 1) * PAGE_SIZE}
    if target > current:
        return {"older_than": Cursor.of(found.rows[-1]).encode(), "skip": (target - current - 1) * PAGE_SIZE}
    if target != 1:
        return {"newer_than": Cursor.of(found.rows[0]).encode(), "skip": (current - target - 1) * PAGE_SIZE}
    return {}
