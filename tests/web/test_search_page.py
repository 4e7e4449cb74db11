"""The search box in every page's header and the search page, server side (and the marking of matched words)."""

import html
import re

import pytest
from markupsafe import Markup

from conduit.articles.search import MARKS, SEARCH_MAX_LENGTH
from conduit.web.search import highlighted
from tests.conftest import RegisterUser, WriteArticle
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio

SEARCH_FORM = re.compile(
    r'<form class="site-search" role="search" action="/search" method="get">\s*'
    r'<label class="visually-hidden" for="site-search">Search articles</label>\s*'
    r'<input id="site-search" type="search" name="q" value="(?P<value>[^"]*)"'
)


async def test_every_page_has_the_search_box(
    browser: Browser, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    slug = (await write_article(author))["slug"]

    for path in ("/", "/login", "/register", f"/article/{slug}", f"/profile/{author.username}", "/search", "/nowhere"):
        response = await browser.get(path)
        assert SEARCH_FORM.search(response.text), path
        assert response.text.count('role="search"') == 1, path


async def test_the_search_page_lists_the_matches_with_their_words_marked(
    browser: Browser, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    await write_article(author, title="Morning runs", description="Why I run  every\tmorning", body="Daily.")
    await write_article(author, title="Slow cooking", description="Recipes for winter", body="Running late.")
    await write_article(author, title="Gardens", description="Nothing to see", body="Flowers.")

    response = await browser.get("/search?q=running")

    assert response.status_code == 200
    assert "<title>Search: running · Conduit</title>" in response.text
    assert "Results for &ldquo;running&rdquo;" in response.text
    assert "2 articles match." in response.text
    assert "Why I <mark>run</mark>  every\tmorning" in response.text
    assert "Recipes for winter" in response.text  # matched by its body: nothing to mark in the description
    assert "Gardens" not in response.text
    assert SEARCH_FORM.search(response.text)["value"] == "running"  # type: ignore[index]
    assert response.text.index("Morning runs") < response.text.index("Slow cooking")  # the title match first


async def test_marking_escapes_the_description_first(
    browser: Browser, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    description = '<script>alert("x")</script> running <b>bold</b> & <mark>fake</mark> <img src=x onerror=alert(1)>'
    await write_article(author, title="Tricky", description=description, body="Text.")
    await write_article(author, title="Marked", description=f"running {MARKS[0]}x{MARKS[1]} <i>i</i>", body="Text.")

    response = await browser.get("/search?q=running")

    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "<b>bold" not in response.text
    expected = (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>running</mark> &lt;b&gt;bold&lt;/b&gt; &amp; "
        "&lt;mark&gt;fake&lt;/mark&gt; &lt;img src=x onerror=alert(1)&gt;"
    )
    assert expected in response.text
    assert f"running {MARKS[0]}x{MARKS[1]} &lt;i&gt;i&lt;/i&gt;" in response.text  # its own marks: left unmarked


async def test_the_query_is_escaped_too(browser: Browser) -> None:
    response = await browser.get("/search", params={"q": '<script>alert(1)</script>"'})

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "<title>Search: &lt;script&gt;alert(1)&lt;/script&gt;&#34; · Conduit</title>" in response.text
    assert "No articles match" in response.text


async def test_no_match_says_so(browser: Browser, register: RegisterUser, write_article: WriteArticle) -> None:
    await write_article(await register(), title="Gardens", body="Flowers.")

    response = await browser.get("/search?q=zebra+-gardens")

    assert response.status_code == 200
    assert "0 articles match." in response.text
    assert html.escape("No articles match “zebra -gardens”.", quote=False) in html.unescape(response.text)
    assert 'class="preview"' not in response.text


@pytest.mark.parametrize("query", ["", "?q=", "?q=+++"])
async def test_without_words_the_page_invites_a_search(browser: Browser, query: str) -> None:
    response = await browser.get(f"/search{query}")

    assert response.status_code == 200
    assert "<title>Search · Conduit</title>" in response.text
    assert "Search articles</h1>" in response.text
    assert "match." not in response.text


async def test_a_search_too_long_is_refused_on_the_page(browser: Browser) -> None:
    response = await browser.get(f"/search?q={'a' * (SEARCH_MAX_LENGTH + 1)}")

    assert response.status_code == 422
    assert f"Search at most {SEARCH_MAX_LENGTH} characters." in response.text


async def test_results_page_by_number(browser: Browser, register: RegisterUser, write_article: WriteArticle) -> None:
    author = await register()
    for number in range(12):
        await write_article(author, title=f"Dragon story {number}", description="Wings", body="Fire.")

    first = await browser.get("/search?q=dragon")
    second = await browser.get("/search?q=dragon&page=2")
    partial = await browser.get("/search?q=dragon&page=2", headers={"HX-Request": "true", "HX-Target": "article-list"})

    assert "12 articles match." in first.text
    assert first.text.count('class="preview"') == 10
    assert 'href="/search?q=dragon&amp;page=2"' in first.text
    assert "older_than" not in first.text
    assert second.text.count('class="preview"') == 2
    assert re.search(r'aria-current="page">2<', second.text)
    assert partial.text.lstrip().startswith('<div id="article-list"')
    assert partial.text.count("<mark>Dragon</mark>") == 0  # titles are not marked, descriptions are
    assert partial.text.count('class="preview"') == 2


def test_highlighted_writes_only_balanced_marks_around_escaped_text() -> None:
    start, stop = MARKS

    assert highlighted(f"a {start}<b>{stop} c", "a <b> c") == Markup("a <mark>&lt;b&gt;</mark> c")
    assert highlighted(f"{start}x{start}y{stop}{stop}z", "xyz") == Markup("<mark>xy</mark>z")
    assert highlighted(f"{start}x", "x") == Markup("<mark>x</mark>")
    assert highlighted(f"{stop}x", "x") == Markup("x")
    assert highlighted(None, "<i>") == Markup("&lt;i&gt;")
    assert highlighted(f"{start}other{stop}", "text") == Markup("text")
