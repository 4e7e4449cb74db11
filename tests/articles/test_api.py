import re
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Article, Comment, article_tags, favorites
from tests.conftest import Account, RegisterUser, WriteArticle, refusal

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4,}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d+(?:[+-][0-2]\d:[0-5]\d|Z)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def article_payload(**fields: Any) -> dict[str, Any]:
    return {
        "article": {
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            "tagList": ["training", "dragons"],
            **fields,
        }
    }


async def count(db: AsyncSession, table: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(table)) or 0)


async def test_create_article(client: AsyncClient, register: RegisterUser) -> None:
    author = await register()

    response = await client.post("/api/articles", headers=author.headers, json=article_payload())

    assert response.status_code == 201
    article = response.json()["article"]
    assert article["slug"] == "how-to-train-your-dragon"
    assert (article["title"], article["description"], article["body"]) == (
        "How to train your dragon",
        "Ever wonder how?",
        "You have to believe",
    )
    assert article["tagList"] == ["dragons", "training"]
    assert TIMESTAMP.match(article["createdAt"])
    assert TIMESTAMP.match(article["updatedAt"])
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {"username": author.username, "bio": None, "image": None, "following": False}


async def test_create_without_tags_and_with_repeated_tags(client: AsyncClient, register: RegisterUser) -> None:
    author = await register()
    payload = article_payload()
    del payload["article"]["tagList"]

    untagged = await client.post("/api/articles", headers=author.headers, json=payload)
    repeated = await client.post(
        "/api/articles", headers=author.headers, json=article_payload(title="Other", tagList=[" b ", "a", "b", ""])
    )

    assert untagged.json()["article"]["tagList"] == []
    assert repeated.json()["article"]["tagList"] == ["a", "b"]


async def test_create_needs_a_token(client: AsyncClient, db: AsyncSession) -> None:
    response = await client.post("/api/articles", json=article_payload())

    assert response.status_code == 401
    assert await count(db, Article) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title can't be blank"),
        ({"title": "   "}, "title can't be blank"),
        ({"body": "\n"}, "body can't be blank"),
        ({"description": ""}, "description can't be blank"),
        ({"description": None}, "description must be text, not null"),
        ({"tagList": [f"t{n}" for n in range(21)]}, "tagList must have at most 20 items"),
        ({"tagList": "dragons"}, "tagList must be a list, not text"),
        ({"tagList": ["x" * 65]}, "tagList must have at most 64 characters"),
    ],
)
async def test_create_with_invalid_fields_is_422_and_writes_nothing(
    client: AsyncClient, register: RegisterUser, db: AsyncSession, fields: dict[str, Any], message: str
) -> None:
    author = await register()

    response = await client.post("/api/articles", headers=author.headers, json=article_payload(**fields))

    assert response.status_code == 422
    assert response.json() == refusal(message)
    assert await count(db, Article) == 0


async def test_create_without_title_names_it(client: AsyncClient, register: RegisterUser) -> None:
    author = await register()
    payload = article_payload()
    del payload["article"]["title"]

    response = await client.post("/api/articles", headers=author.headers, json=payload)

    assert response.status_code == 422
    assert response.json() == refusal("title is required")


async def test_a_repeated_title_gets_a_distinct_slug(client: AsyncClient, register: RegisterUser) -> None:
    author, other = await register(), await register()

    slugs = [
        (await client.post("/api/articles", headers=account.headers, json=article_payload())).json()["article"]["slug"]
        for account in (author, author, other)
    ]

    assert len(set(slugs)) == 3
    assert all(slug.startswith("how-to-train-your-dragon") and SLUG.match(slug) for slug in slugs)


@pytest.mark.parametrize(
    ("title", "expected_start"),
    [
        ("Привет, мир", "privet-mir"),
        ("你好世界", "ni-hao-shi-jie"),
        ("🎉🚀", "article"),
        ("Ça va? Ünïcödé!", "ca-va-unicode"),
    ],
)
async def test_titles_in_any_script_get_a_working_slug(
    client: AsyncClient, register: RegisterUser, title: str, expected_start: str
) -> None:
    author = await register()

    created = await client.post("/api/articles", headers=author.headers, json=article_payload(title=title))
    slug = created.json()["article"]["slug"]
    fetched = await client.get(f"/api/articles/{slug}")

    assert slug.startswith(expected_start)
    assert SLUG.match(slug)
    assert fetched.status_code == 200
    assert fetched.json()["article"]["title"] == title


async def test_long_titles_get_bounded_slugs(client: AsyncClient, register: RegisterUser) -> None:
    author = await register()

    response = await client.post("/api/articles", headers=author.headers, json=article_payload(title="word " * 50))

    assert len(response.json()["article"]["slug"]) <= 80


async def test_get_article_by_slug(client: AsyncClient, register: RegisterUser, write_article: WriteArticle) -> None:
    author = await register()
    written = await write_article(author)

    response = await client.get(f"/api/articles/{written['slug']}")

    assert response.status_code == 200
    assert response.json()["article"] == written


async def test_unknown_slug_is_404(client: AsyncClient, register: RegisterUser) -> None:
    author = await register()

    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(
            method, "/api/articles/missing", headers=author.headers, json=article_payload() if method == "PUT" else None
        )
        assert response.status_code == 404, method
        assert response.json() == refusal("article not found")


async def test_article_shows_favorited_and_following_for_the_viewer(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author))["slug"]
    await client.post(f"/api/articles/{slug}/favorite", headers=reader.headers)
    await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)

    as_reader = (await client.get(f"/api/articles/{slug}", headers=reader.headers)).json()["article"]
    as_author = (await client.get(f"/api/articles/{slug}", headers=author.headers)).json()["article"]
    anonymous = (await client.get(f"/api/articles/{slug}")).json()["article"]

    assert (as_reader["favorited"], as_reader["author"]["following"], as_reader["favoritesCount"]) == (True, True, 1)
    assert (as_author["favorited"], as_author["author"]["following"], as_author["favoritesCount"]) == (False, False, 1)
    assert (anonymous["favorited"], anonymous["author"]["following"], anonymous["favoritesCount"]) == (False, False, 1)


async def test_update_changes_only_the_fields_sent(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    written = await write_article(author, tag_list=["keep"])

    response = await client.put(
        f"/api/articles/{written['slug']}", headers=author.headers, json={"article": {"body": "With two hands"}}
    )

    assert response.status_code == 200
    updated = response.json()["article"]
    assert updated["body"] == "With two hands"
    assert {key: updated[key] for key in ("slug", "title", "description", "tagList", "createdAt")} == {
        key: written[key] for key in ("slug", "title", "description", "tagList", "createdAt")
    }
    assert updated["updatedAt"] >= written["updatedAt"]


async def test_update_title_changes_the_slug(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    old_slug = (await write_article(author))["slug"]

    response = await client.put(
        f"/api/articles/{old_slug}", headers=author.headers, json={"article": {"title": "A brand new title"}}
    )

    assert response.json()["article"]["slug"] == "a-brand-new-title"
    assert (await client.get("/api/articles/a-brand-new-title")).status_code == 200
    assert (await client.get(f"/api/articles/{old_slug}")).status_code == 404


async def test_update_with_the_same_title_keeps_the_slug(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    written = await write_article(author)

    response = await client.put(
        f"/api/articles/{written['slug']}", headers=author.headers, json={"article": {"title": written["title"]}}
    )

    assert response.json()["article"]["slug"] == written["slug"]


async def test_update_tag_list_replaces_the_tags(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author = await register()
    slug = (await write_article(author, tag_list=["a", "b"]))["slug"]

    response = await client.put(f"/api/articles/{slug}", headers=author.headers, json={"article": {"tagList": ["c"]}})

    assert response.json()["article"]["tagList"] == ["c"]
    assert await count(db, article_tags) == 1


async def test_update_with_an_empty_tag_list_drops_the_tags_and_null_is_refused(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author = await register()
    slug = (await write_article(author, tag_list=["a", "b"]))["slug"]

    emptied = await client.put(f"/api/articles/{slug}", headers=author.headers, json={"article": {"tagList": []}})
    nulled = await client.put(f"/api/articles/{slug}", headers=author.headers, json={"article": {"tagList": None}})

    assert (emptied.status_code, emptied.json()["article"]["tagList"]) == (200, [])
    assert (nulled.status_code, nulled.json()) == (422, refusal("tagList must be a list, not null"))
    assert await count(db, article_tags) == 0


async def test_only_the_author_may_update_or_delete(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author, intruder = await register(), await register()
    written = await write_article(author)

    update = await client.put(
        f"/api/articles/{written['slug']}", headers=intruder.headers, json={"article": {"title": "Mine now"}}
    )
    delete = await client.delete(f"/api/articles/{written['slug']}", headers=intruder.headers)

    assert update.status_code == 403
    assert update.json() == refusal("article forbidden")
    assert delete.status_code == 403
    assert delete.json() == refusal("article forbidden")
    assert (await client.get(f"/api/articles/{written['slug']}")).json()["article"] == written


async def test_update_with_no_fields_is_422(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    slug = (await write_article(author))["slug"]

    response = await client.put(f"/api/articles/{slug}", headers=author.headers, json={"article": {}})

    assert response.status_code == 422


async def test_delete_article_removes_its_comments_favorites_and_tag_links(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author, reader = await register(), await register()
    slug = (await write_article(author, tag_list=["gone"]))["slug"]
    await client.post(f"/api/articles/{slug}/favorite", headers=reader.headers)
    await client.post(f"/api/articles/{slug}/comments", headers=reader.headers, json={"comment": {"body": "Hi"}})

    response = await client.delete(f"/api/articles/{slug}", headers=author.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/api/articles/{slug}")).status_code == 404
    for table in (Article, Comment, favorites, article_tags):
        assert await count(db, table) == 0


async def test_favorite_and_unfavorite(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author, first, second = await register(), await register(), await register()
    slug = (await write_article(author))["slug"]

    await client.post(f"/api/articles/{slug}/favorite", headers=first.headers)
    favorited = await client.post(f"/api/articles/{slug}/favorite", headers=second.headers)
    again = await client.post(f"/api/articles/{slug}/favorite", headers=second.headers)
    unfavorited = await client.delete(f"/api/articles/{slug}/favorite", headers=second.headers)
    once_more = await client.delete(f"/api/articles/{slug}/favorite", headers=second.headers)

    assert favorited.status_code == 200
    assert (favorited.json()["article"]["favorited"], favorited.json()["article"]["favoritesCount"]) == (True, 2)
    assert (again.json()["article"]["favorited"], again.json()["article"]["favoritesCount"]) == (True, 2)
    assert unfavorited.status_code == 200
    assert (unfavorited.json()["article"]["favorited"], unfavorited.json()["article"]["favoritesCount"]) == (False, 1)
    assert once_more.json()["article"]["favoritesCount"] == 1
    assert await count(db, favorites) == 1


async def test_favorite_needs_a_token_and_an_existing_article(client: AsyncClient, register: RegisterUser) -> None:
    reader = await register()

    assert (await client.post("/api/articles/missing/favorite", headers=reader.headers)).status_code == 404
    assert (await client.delete("/api/articles/missing/favorite", headers=reader.headers)).status_code == 404
    assert (await client.post("/api/articles/missing/favorite")).status_code == 401


async def write_several(write_article: WriteArticle, author: Account, count: int, **fields: Any) -> list[str]:
    return [(await write_article(author, **fields))["slug"] for _ in range(count)]


async def test_list_is_newest_first_without_bodies(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    slugs = await write_several(write_article, author, 3)

    response = await client.get("/api/articles")

    assert response.status_code == 200
    listed = response.json()
    assert [article["slug"] for article in listed["articles"]] == slugs[::-1]
    assert listed["articlesCount"] == 3
    assert all("body" not in article for article in listed["articles"])


async def test_list_pages_with_limit_and_offset_and_counts_all(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    newest_first = (await write_several(write_article, author, 5))[::-1]

    pages = [(await client.get(f"/api/articles?limit=2&offset={offset}")).json() for offset in (0, 2, 4, 6)]

    assert [[article["slug"] for article in page["articles"]] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:5],
        [],
    ]
    assert [page["articlesCount"] for page in pages] == [5, 5, 5, 5]


async def test_list_defaults_to_twenty(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_several(write_article, author, 21)

    listed = (await client.get("/api/articles")).json()

    assert (len(listed["articles"]), listed["articlesCount"]) == (20, 21)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit must be at least 1"),
        ("limit=101", "limit must be at most 100"),
        ("offset=-1", "offset must be at least 0"),
        ("offset=99999999999999999999", "offset must be at most 2147483647"),
        ("limit=ten", "limit must be a whole number, not text"),
    ],
)
async def test_bad_paging_is_422(client: AsyncClient, register: RegisterUser, query: str, message: str) -> None:
    reader = await register()

    for path in ("/api/articles", "/api/articles/feed"):
        response = await client.get(f"{path}?{query}", headers=reader.headers)
        assert response.status_code == 422
        assert response.json() == refusal(message)


async def test_list_filters_by_tag_author_and_favorited_combined(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    jake, jane, fan = await register(), await register(), await register()
    jake_dragons = (await write_article(jake, tag_list=["dragons", "training"]))["slug"]
    jake_cats = (await write_article(jake, tag_list=["cats"]))["slug"]
    jane_dragons = (await write_article(jane, tag_list=["dragons"]))["slug"]
    for slug in (jake_dragons, jane_dragons):
        await client.post(f"/api/articles/{slug}/favorite", headers=fan.headers)

    async def slugs(query: str) -> tuple[set[str], int]:
        listed = (await client.get(f"/api/articles?{query}")).json()
        return {article["slug"] for article in listed["articles"]}, listed["articlesCount"]

    assert await slugs("tag=dragons") == ({jake_dragons, jane_dragons}, 2)
    assert await slugs(f"author={jake.username}") == ({jake_dragons, jake_cats}, 2)
    assert await slugs(f"favorited={fan.username}") == ({jake_dragons, jane_dragons}, 2)
    assert await slugs(f"tag=dragons&author={jake.username}") == ({jake_dragons}, 1)
    assert await slugs(f"tag=cats&favorited={fan.username}") == (set(), 0)
    assert await slugs(f"tag=dragons&author={jane.username}&favorited={fan.username}") == ({jane_dragons}, 1)
    assert await slugs("tag=Dragons") == (set(), 0)


async def test_list_filtered_by_tag_keeps_all_tags_sorted(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_article(author, tag_list=["training", "dragons"])

    listed = (await client.get("/api/articles?tag=dragons")).json()

    assert listed["articles"][0]["tagList"] == ["dragons", "training"]


@pytest.mark.parametrize("query", ["author=johnjacob", "favorited=johnjacob", "tag=nothing"])
async def test_unknown_filters_give_an_empty_list(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle, query: str
) -> None:
    await write_article(await register())

    response = await client.get(f"/api/articles?{query}")

    assert response.status_code == 200
    assert response.json() == {"articles": [], "articlesCount": 0}


async def test_list_shows_favorited_and_following_for_the_viewer(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    jake, jane, reader = await register(), await register(), await register()
    jake_slug = (await write_article(jake))["slug"]
    await write_article(jane)
    await client.post(f"/api/articles/{jake_slug}/favorite", headers=reader.headers)
    await client.post(f"/api/profiles/{jake.username}/follow", headers=reader.headers)

    listed = (await client.get("/api/articles", headers=reader.headers)).json()["articles"]

    seen = {a["author"]["username"]: (a["favorited"], a["favoritesCount"], a["author"]["following"]) for a in listed}
    assert seen == {jake.username: (True, 1, True), jane.username: (False, 0, False)}


async def test_feed_shows_followed_authors_newest_first(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    jake, jane, stranger, reader = await register(), await register(), await register(), await register()
    first = (await write_article(jake))["slug"]
    second = (await write_article(jane))["slug"]
    await write_article(stranger)
    third = (await write_article(jake))["slug"]
    for author in (jake, jane):
        await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)

    feed = (await client.get("/api/articles/feed", headers=reader.headers)).json()
    page = (await client.get("/api/articles/feed?limit=1&offset=1", headers=reader.headers)).json()

    assert [article["slug"] for article in feed["articles"]] == [third, second, first]
    assert feed["articlesCount"] == 3
    assert all(article["author"]["following"] and "body" not in article for article in feed["articles"])
    assert ([article["slug"] for article in page["articles"]], page["articlesCount"]) == ([second], 3)


async def test_feed_is_empty_for_a_new_user_and_needs_a_token(client: AsyncClient, register: RegisterUser) -> None:
    reader = await register()

    empty = await client.get("/api/articles/feed", headers=reader.headers)
    anonymous = await client.get("/api/articles/feed")

    assert empty.json() == {"articles": [], "articlesCount": 0}
    assert anonymous.status_code == 401
