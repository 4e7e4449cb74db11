"""Full-text search (a Conduit extension: ``GET /api/articles?search=``): the same cases give the same results on
SQLite (FTS5) and PostgreSQL (tsvector), which the suite runs on in turn."""

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from conduit.articles.search import SEARCH_MAX_LENGTH, parse_search
from tests.conftest import Account, RegisterUser, WriteArticle

pytestmark = pytest.mark.anyio


@dataclass
class Library:
    """Articles written in this order (so the later ones are newer), by jake unless said otherwise."""

    jake: Account
    jane: Account
    fan: Account
    slugs: dict[str, str]


ARTICLES: dict[str, dict[str, Any]] = {
    "morning": {
        "title": "Morning runs by the river",
        "description": "How I started",
        "body": "Each day begins with coffee.",
        "tag_list": ["fitness"],
    },
    "garden": {
        "title": "Notes on gardens",
        "description": "Tomatoes and basil",
        "body": "The quick brown fox jumps over the lazy dog.",
    },
    "fable": {"title": "Fox tales", "description": "Stories", "body": "A brown dog and a quick fox met at night."},
    "weekend": {
        "title": "Weekend plans",
        "description": "Nothing special",
        "body": "Stay home.",
        "tag_list": ["photography"],
    },
    "travel": {
        "title": "Привет мир",
        "description": "Заметки о путешествии",  # noqa: RUF001
        "body": "Москва зимой прекрасна. Καλημέρα κόσμε.",
    },
    "journal": {"title": "Daily journal", "description": "Thoughts", "body": "I was running late again."},
}


@pytest.fixture
async def library(client: AsyncClient, register: RegisterUser, write_article: WriteArticle) -> Library:
    jake, jane, fan = await register(), await register(), await register()
    slugs = {name: (await write_article(jake, **fields))["slug"] for name, fields in ARTICLES.items()}
    slugs["shoes"] = (
        await write_article(
            jane, title="Shoes for running", description="A review", body="Light and cheap.", tag_list=["fitness"]
        )
    )["slug"]
    await client.post(f"/api/articles/{slugs['journal']}/favorite", headers=fan.headers)
    return Library(jake, jane, fan, slugs)


async def found(client: AsyncClient, query: str, **options: Any) -> tuple[list[str], int]:
    response = await client.get(f"/api/articles?{query}", **options)
    assert response.status_code == 200, response.text
    listed = response.json()
    return [article["slug"] for article in listed["articles"]], listed["articlesCount"]


async def names(client: AsyncClient, library: Library, query: str) -> tuple[set[str], int]:
    slugs, count = await found(client, query)
    by_slug = {slug: name for name, slug in library.slugs.items()}
    return {by_slug[slug] for slug in slugs}, count


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("running", {"morning", "journal", "shoes"}),  # stemming: runs, running, Running
        ("RUN", {"morning", "journal", "shoes"}),  # case does not matter
        ("quick brown fox", {"garden", "fable"}),  # every word, anywhere
        ('"quick brown fox"', {"garden"}),  # a phrase: the words next to each other
        ("fox -lazy", {"fable"}),  # exclusion
        ('fox -"lazy dog"', {"fable"}),  # excluding a phrase
        ("photography or tomatoes", {"weekend", "garden"}),  # alternatives
        ("photography", {"weekend"}),  # only its tag says it
        ("fitness", {"morning", "shoes"}),
        ("москва", {"travel"}),  # Cyrillic
        ("МОСКВА Привет", {"travel"}),  # noqa: RUF001
        ("καλημέρα", {"travel"}),  # Greek
        ("garden", {"garden"}),  # gardens
        ("zebra", set()),
        ("fox zebra", set()),
    ],
)
async def test_search_finds_the_same_articles_on_every_database(
    client: AsyncClient, library: Library, search: str, expected: set[str]
) -> None:
    assert await names(client, library, f"search={search}") == (expected, len(expected))


async def test_a_title_match_ranks_above_a_body_match_then_newest_first(client: AsyncClient, library: Library) -> None:
    slugs, count = await found(client, "search=running")

    # "morning" has it in its title, "shoes" (newer) in its title too, "journal" in its body only.
    assert count == 3
    assert slugs[-1] == library.slugs["journal"]
    assert set(slugs[:2]) == {library.slugs["morning"], library.slugs["shoes"]}


async def test_search_combines_with_the_filters_and_pages(client: AsyncClient, library: Library) -> None:
    assert await names(client, library, "search=run&tag=fitness") == ({"morning", "shoes"}, 2)
    assert await names(client, library, f"search=run&author={library.jane.username}") == ({"shoes"}, 1)
    assert await names(client, library, f"search=run&favorited={library.fan.username}") == ({"journal"}, 1)
    assert await names(client, library, f"search=run&tag=fitness&author={library.jake.username}") == ({"morning"}, 1)
    assert await names(client, library, "search=fox&tag=fitness") == (set(), 0)

    everything, _ = await found(client, "search=run")
    pages = [await found(client, f"search=run&limit=2&offset={offset}") for offset in (0, 2, 4)]
    assert [page for page, _ in pages] == [everything[0:2], everything[2:3], []]
    assert [count for _, count in pages] == [3, 3, 3]


async def test_search_follows_edits_and_deletions(
    client: AsyncClient, library: Library, write_article: WriteArticle
) -> None:
    slug = library.slugs["weekend"]
    headers = library.jake.headers

    await client.put(f"/api/articles/{slug}", headers=headers, json={"article": {"title": "Errands to run"}})
    retitled = (await client.get("/api/articles?search=errands")).json()["articles"][0]["slug"]
    assert await found(client, "search=weekend") == ([], 0)
    assert await found(client, "search=photography") == ([retitled], 1)

    await client.put(f"/api/articles/{retitled}", headers=headers, json={"article": {"tagList": ["cameras"]}})
    assert await found(client, "search=photography") == ([], 0)
    assert await found(client, "search=cameras") == ([retitled], 1)

    await client.put(f"/api/articles/{retitled}", headers=headers, json={"article": {"body": "Stroll to the bakery."}})
    assert await found(client, "search=bakery") == ([retitled], 1)
    assert await found(client, "search=home") == ([], 0)

    await client.delete(f"/api/articles/{retitled}", headers=headers)
    assert await found(client, "search=cameras") == ([], 0)
    assert await found(client, "search=errands") == ([], 0)

    added = (await write_article(library.jane, title="Cameras for errands", tag_list=["cameras"]))["slug"]
    assert await found(client, "search=cameras errands") == ([added], 1)


async def test_a_favorite_changes_nothing_in_the_index(client: AsyncClient, library: Library) -> None:
    """The counters' triggers update ``articles``; the search index ignores what is not its text."""
    before = await found(client, "search=fox")

    await client.post(f"/api/articles/{library.slugs['fable']}/favorite", headers=library.fan.headers)

    assert await found(client, "search=fox") == before


async def test_search_shows_the_viewers_flags(client: AsyncClient, library: Library) -> None:
    response = await client.get("/api/articles?search=journal", headers=library.fan.headers)

    (article,) = response.json()["articles"]
    assert (article["favorited"], article["favoritesCount"], article["author"]["following"]) == (True, 1, False)
    assert "body" not in article


@pytest.mark.parametrize("search", ["", "   ", "%20"])
async def test_an_empty_search_is_no_search(client: AsyncClient, library: Library, search: str) -> None:
    assert await found(client, f"search={search}") == await found(client, "")


@pytest.mark.parametrize(
    "search",
    [
        "-",
        "or",
        "or or",
        '""',
        '"',
        "-fox",  # only exclusions: nothing to look for
        "the",  # a stop word
        "the -fox or -dog",
        "***",
        "( ) : ^ * + - NEAR AND NOT",
        "'",
        "\\",
        "%25",
        "%E2%80%94",
    ],
)
async def test_a_search_with_nothing_to_look_for_finds_nothing(
    client: AsyncClient, library: Library, search: str
) -> None:
    assert await found(client, f"search={search}") == ([], 0)


@pytest.mark.parametrize(
    "search",
    [
        'fox"',
        'fox "quick',
        "fox AND NOT lazy",
        "fox NEAR(quick brown)",
        "fox*",
        "^fox",
        "title:fox",
        "{fox}",
        "fox & !lazy | dog <-> quick",
        "fox'",
        "fox)",
        "%F0%9F%A6%8A fox",
        "fox%0Adog",
        "fox%01",
        "-" * 50 + "fox",
    ],
)
async def test_operators_of_the_databases_are_only_text(client: AsyncClient, library: Library, search: str) -> None:
    """Nothing a person types is FTS5 or tsquery syntax: punctuation is not searched for, words still are."""
    slugs, count = await found(client, f"search={search}")

    assert count == len(slugs)
    assert set(slugs) <= {library.slugs["garden"], library.slugs["fable"]}


async def test_a_search_too_long_or_with_nul_is_refused(client: AsyncClient) -> None:
    longest = await client.get(f"/api/articles?search={'a' * SEARCH_MAX_LENGTH}")
    too_long = await client.get(f"/api/articles?search={'a' * (SEARCH_MAX_LENGTH + 1)}")
    nul = await client.get("/api/articles?search=fox%00")

    assert longest.status_code == 200
    assert too_long.status_code == 422
    assert too_long.json() == {"errors": {"search": [f"must have at most {SEARCH_MAX_LENGTH} characters"]}}
    assert nul.status_code == 400
    assert nul.json() == {"errors": {"query": ["must not contain NUL characters"]}}


async def test_a_page_past_the_end_still_counts(client: AsyncClient, library: Library) -> None:
    assert await found(client, "search=run&offset=10") == ([], 3)
    assert await found(client, "search=run&tag=fitness&offset=10") == ([], 2)


# The rules of the syntax, without a database.


@pytest.mark.parametrize(
    ("typed", "websearch", "fts5"),
    [
        ("fox", "fox", '("fox")'),
        ("Quick  brown\tfox", "Quick brown fox", '("Quick" AND "brown" AND "fox")'),
        ('"quick brown" fox', '"quick brown" fox', '("quick brown" AND "fox")'),
        ('fox -lazy -"lazy dog"', 'fox -lazy -"lazy dog"', '(("fox") NOT ("lazy" OR "lazy dog"))'),
        ("cat dog OR bird", "cat dog or bird", '("cat" AND "dog") OR ("bird")'),
        ("or cat or or dog or", "cat or dog", '("cat") OR ("dog")'),
        ("-cat or dog", "dog", '("dog")'),
        ("the cat", "cat", '("cat")'),
        ('"the cat" of', '"the cat"', '("the cat")'),
        ('fox "quick', 'fox "quick"', '("fox" AND "quick")'),
        ("--fox", "", ""),
        ("a-b c.d", "a-b c.d", '("a-b" AND "c.d")'),
        ('x"y z"', 'x "y z"', '("x" AND "y z")'),
        ("NEAR(fox", "NEAR(fox", '("NEAR(fox")'),
        ("", "", ""),
        ('- or "" the', "", ""),
    ],
)
def test_a_search_is_said_again_in_each_databases_syntax(typed: str, websearch: str, fts5: str) -> None:
    query = parse_search(typed)

    assert query.websearch() == websearch
    assert query.fts5() == fts5
    assert bool(query) == bool(websearch)


async def test_a_phrase_never_runs_from_one_tag_or_field_into_the_next(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    slug = (
        await write_article(
            author, title="Alpine lakes", description="Cold water", body="Deep blue.", tag_list=["swim", "lakes"]
        )
    )["slug"]

    assert await found(client, "search=swim lakes") == ([slug], 1)
    for phrase in ('"swim lakes"', '"lakes swim"', '"lakes cold"', '"water deep"', '"lakes lakes"'):
        assert await found(client, f"search={phrase}") == ([], 0), phrase
