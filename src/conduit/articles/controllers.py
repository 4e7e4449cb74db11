"""The articles API: listing, the feed, writing and favoriting."""

from typing import Annotated

from litestar import Controller, delete, get, post, put, route
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from conduit.articles.deps import Articles
from conduit.articles.schemas import (
    ArticleDetail,
    ArticleResponse,
    ArticlesResponse,
    ArticleSummary,
    NewArticleRequest,
    UpdateArticleRequest,
)
from conduit.articles.search import SEARCH_MAX_LENGTH
from conduit.lib.openapi import error_responses, signed_in, switch
from conduit.lib.requests import ConduitRequest
from conduit.users.rules import AccountRules

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="How many articles to skip")]
Search = Annotated[
    str | None,
    QueryParameter(
        max_length=SEARCH_MAX_LENGTH,
        description=(
            "Conduit extension (not in the RealWorld specification): only articles whose title, tags, description or "
            "body match these words, best match first (newest first among equal matches). Words must all match; "
            '"a quoted phrase" matches those words next to each other; -word (or -"a phrase") excludes; or between '
            "words gives alternatives (cat dog or bird). Stemmed in English: running finds run. At most "
            f"{SEARCH_MAX_LENGTH} characters; empty, no search; nothing to look for (only -words, operators or "
            "stop words such as the), no articles. articlesCount counts every match of the search and the filters."
        ),
    ),
]


class ArticleController(Controller):
    """Articles, the feed, and favorites."""

    path = "/articles"
    tags = ["Articles"]

    @get(operation_id="GetArticles", cache=True, responses=error_responses())
    async def list_articles(
        self,
        request: ConduitRequest,
        articles_service: Articles,
        tag: FromQuery[str | None] = None,
        author: FromQuery[str | None] = None,
        favorited: FromQuery[str | None] = None,
        search: Search = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ArticlesResponse:
        """Articles, newest first, filtered by tag, author and the user who favorited them (and, a Conduit extension,
        searched for words, best match first)."""
        page = await articles_service.list_articles(
            request.viewer, tag=tag, author=author, favorited=favorited, search=search, limit=limit, offset=offset
        )
        return ArticlesResponse(articles=[ArticleSummary.of(row) for row in page.rows], articles_count=page.total)

    @get("/feed", operation_id="GetArticlesFeed", **signed_in())
    async def feed(
        self, request: ConduitRequest, articles_service: Articles, limit: Limit = 20, offset: Offset = 0
    ) -> ArticlesResponse:
        """Articles by the authors you follow, newest first."""
        page = await articles_service.feed_for(request.signed_in_viewer, limit=limit, offset=offset)
        return ArticlesResponse(articles=[ArticleSummary.of(row) for row in page.rows], articles_count=page.total)

    @post(status_code=HTTP_201_CREATED, operation_id="CreateArticle", **signed_in(413))
    async def create_article(
        self,
        request: ConduitRequest,
        data: JSONBody[NewArticleRequest],
        articles_service: Articles,
        account_rules: NamedDependency[AccountRules],
    ) -> ArticleResponse:
        """Publish an article."""
        new = data.article
        article = await articles_service.write(
            request.signed_in_viewer,
            title=new.title,
            description=new.description,
            body=new.body,
            tags=new.tag_list,
            rules=account_rules,
        )
        return ArticleResponse(article=ArticleDetail.of(article))

    @get("/{slug:str}", operation_id="GetArticle", cache=True, responses=error_responses(404))
    async def get_article(
        self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles
    ) -> ArticleResponse:
        """One article."""
        return ArticleResponse(article=ArticleDetail.of(await articles_service.get_by_slug(slug, request.viewer)))

    @put("/{slug:str}", operation_id="UpdateArticle", **signed_in(403, 404, 413))
    async def update_article(
        self,
        request: ConduitRequest,
        slug: FromPath[str],
        data: JSONBody[UpdateArticleRequest],
        articles_service: Articles,
    ) -> ArticleResponse:
        """Change one of your articles; a new title gives it a new slug."""
        article = await articles_service.revise(slug, request.signed_in_viewer, data.article)
        return ArticleResponse(article=ArticleDetail.of(article))

    @delete("/{slug:str}", operation_id="DeleteArticle", **signed_in(403, 404))
    async def delete_article(self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles) -> None:
        """Delete one of your articles, with its comments."""
        await articles_service.remove(slug, request.signed_in_viewer)

    @route("/{slug:str}/favorite", **switch("CreateArticleFavorite", "DeleteArticleFavorite"))
    async def favorite(
        self, request: ConduitRequest, slug: FromPath[str], articles_service: Articles
    ) -> ArticleResponse:
        """Add the article to your favorites (POST), or remove it (DELETE)."""
        article = await articles_service.favorite(slug, request.signed_in_viewer, undo=request.method == "DELETE")
        return ArticleResponse(article=ArticleDetail.of(article))
