"""The search page: ``/search?q=words``, the articles that match, best first, their matched words marked."""

import re
from typing import Any

from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY
from markupsafe import Markup, escape

from conduit.articles.deps import Articles
from conduit.articles.queries import ArticlePage
from conduit.articles.schemas import ArticleSummary
from conduit.articles.search import MARKS, SEARCH_MAX_LENGTH
from conduit.lib.requests import ConduitRequest
from conduit.web.paging import PageNumber, PageRequest, page_links
from conduit.web.rendering import page

_MARK = re.compile(f"([{''.join(MARKS)}])")


def highlighted(marked: str | None, original: str) -> Markup:
    """``original`` (a description: user text) escaped, with the words the database marked in ``marked`` (the same
    text, the matched words between ``MARKS``) in ``<mark>`` elements.

    Only the text is escaped and only this function writes tags, so the result is safe whatever the text holds.
    Should ``marked`` not be ``original`` plus marks (the text itself holding a mark character), the text is
    shown unmarked.
    """
    start = MARKS[0]
    if marked is None or _MARK.sub("", marked) != original or _MARK.search(original):
        return escape(original)
    parts: list[str] = []
    inside = False
    for piece in _MARK.split(marked):
        if piece in MARKS:
            if (piece == start) != inside:
                parts.append("</mark>" if inside else "<mark>")
                inside = not inside
        else:
            parts.append(escape(piece))
    if inside:
        parts.append("</mark>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above was escaped


class SearchPageController(Controller):
    """Searching articles from the box in every page's header."""

    @get("/search", name="search")
    async def search(
        self,
        request: ConduitRequest,
        articles_service: Articles,
        q: FromQuery[str] = "",
        number: PageNumber = 1,
    ) -> Template:
        """Results page by page, ten at a time, found by offset: ranked results have no order of age to
        continue from, unlike the other lists' cursors."""
        words = q.strip()
        asked = PageRequest.by_offset(number)
        status, error = HTTP_200_OK, None
        found = ArticlePage([], 0)
        if len(q) > SEARCH_MAX_LENGTH:
            status, error = HTTP_422_UNPROCESSABLE_ENTITY, f"Search at most {SEARCH_MAX_LENGTH} characters."
        elif words:
            found = await articles_service.list_articles(request.viewer, search=words, marked=True, **asked.query())
        context: dict[str, Any] = {
            "articles": [ArticleSummary.of(row) for row in found.rows],
            "highlights": {
                row["slug"]: highlighted(row["marked_description"], row["description"]) for row in found.rows
            },
            "page_links": page_links(request, asked, found, by_offset=True),
            "empty_message": f"No articles match \u201c{words}\u201d.",
            "viewer": request.viewer,
            "search_query": words,
        }
        if request.htmx and request.htmx.target == "article-list":
            return page("partials/article_list.html", status, **context)
        return page("search.html", status, total=found.total, error=error, **context)
