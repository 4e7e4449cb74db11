"""The articles API: listing, the feed, writing and favoriting."""

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from conduit.articles.schemas import (
    ArticleDetail,
    ArticleResponse,
    ArticlesResponse,
    ArticleSummary,
    NewArticleRequest,
    UpdateArticleRequest,
)
from conduit.articles.services import ArticleService
from conduit.db.models import User
from conduit.lib.openapi import error_responses

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="How many articles to skip")]


class ArticleController(Controller):
    """Articles, the feed, and favorites."""

    path = "/articles"
    tags = ["Articles"]

    @get(operation_id="GetArticles", responses=error_responses())
    async def list_articles(
        self,
        viewer: NamedDependency[User | None],
        articles_service: NamedDependency[ArticleService],
        tag: FromQuery[str | None] = None,
        author: FromQuery[str | None] = None,
        favorited: FromQuery[str | None] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ArticlesResponse:
        """Articles, newest first, filtered by tag, author and the user who favorited them."""
        page = await articles_service.list_articles(
            viewer, tag=tag, author=author, favorited=favorited, limit=limit, offset=offset
        )
        return ArticlesResponse(articles=[ArticleSummary.of(row) for row in page.rows], articles_count=page.total)

    @get("/feed", operation_id="GetArticlesFeed", security=[{"Token": []}], responses=error_responses())
    async def feed(
        self,
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> ArticlesResponse:
        """Articles by the authors you follow, newest first."""
        page = await articles_service.feed_for(current_user, limit=limit, offset=offset)
        return ArticlesResponse(articles=[ArticleSummary.of(row) for row in page.rows], articles_count=page.total)

    @post(
        status_code=HTTP_201_CREATED,
        operation_id="CreateArticle",
        security=[{"Token": []}],
        responses=error_responses(413),
    )
    async def create_article(
        self,
        data: JSONBody[NewArticleRequest],
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> ArticleResponse:
        """Publish an article."""
        new = data.article
        article = await articles_service.write(
            current_user, title=new.title, description=new.description, body=new.body, tags=new.tag_list
        )
        return ArticleResponse(article=ArticleDetail.of(article))

    @get("/{slug:str}", operation_id="GetArticle", responses=error_responses(404))
    async def get_article(
        self,
        slug: FromPath[str],
        viewer: NamedDependency[User | None],
        articles_service: NamedDependency[ArticleService],
    ) -> ArticleResponse:
        """One article."""
        return ArticleResponse(article=ArticleDetail.of(await articles_service.get_by_slug(slug, viewer)))

    @put(
        "/{slug:str}",
        operation_id="UpdateArticle",
        security=[{"Token": []}],
        responses=error_responses(403, 404, 413),
    )
    async def update_article(
        self,
        slug: FromPath[str],
        data: JSONBody[UpdateArticleRequest],
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> ArticleResponse:
        """Change one of your articles; a new title gives it a new slug."""
        article = await articles_service.revise(slug, current_user, data.article)
        return ArticleResponse(article=ArticleDetail.of(article))

    @delete("/{slug:str}", operation_id="DeleteArticle", security=[{"Token": []}], responses=error_responses(403, 404))
    async def delete_article(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> None:
        """Delete one of your articles, with its comments."""
        await articles_service.remove(slug, current_user)

    @post(
        "/{slug:str}/favorite",
        status_code=HTTP_200_OK,
        operation_id="CreateArticleFavorite",
        security=[{"Token": []}],
        responses=error_responses(404),
    )
    async def favorite(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> ArticleResponse:
        """Add the article to your favorites."""
        return ArticleResponse(article=ArticleDetail.of(await articles_service.favorite(slug, current_user)))

    @delete(
        "/{slug:str}/favorite",
        status_code=HTTP_200_OK,
        operation_id="DeleteArticleFavorite",
        security=[{"Token": []}],
        responses=error_responses(404),
    )
    async def unfavorite(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[User],
        articles_service: NamedDependency[ArticleService],
    ) -> ArticleResponse:
        """Remove the article from your favorites."""
        return ArticleResponse(article=ArticleDetail.of(await articles_service.favorite(slug, current_user, undo=True)))
