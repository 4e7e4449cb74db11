"""Atom feeds: what a feed reader gets, conditional requests, the private feed's address, and the pages' links."""

import re
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import User
from conduit.users.services import UserService, feed_token_hash
from conduit.web.atom import ATOM_NAMESPACE, xml_text
from conduit.web.feeds import FEED_ENTRIES
from conduit.web.markdown import render_markdown
from tests.conftest import Account, RegisterUser, WriteArticle
from tests.support.observe import captured_logs
from tests.web.conftest import Browser

pytestmark = pytest.mark.anyio

BASE = "http://testserver.local"
HOSTILE_BODY = "Fish & chips <script>alert(1)</script> with **bold**\x0b and a [link](javascript:alert(2))."
PRIVATE_URL = re.compile(r'id="private-feed-url"[^>]*value="([^"]+)"')
ATOM = f"{{{ATOM_NAMESPACE}}}"


def parsed(response: Response) -> Any:
    """The feed as a feed reader sees it; the response must be a well-formed Atom feed."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert "set-cookie" not in response.headers
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


async def private_url(browser: Browser) -> str:
    page = await browser.get("/settings")
    match = PRIVATE_URL.search(page.text)
    assert match, "no private feed address on the settings page"
    return match.group(1)


async def test_the_site_feed_lists_the_newest_articles_newest_first_with_everything_a_reader_shows(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    ada, grace = await register(), await register()
    first = await write_article(ada, tag_list=["python", "feeds"])
    second = await write_article(grace, body=HOSTILE_BODY, tag_list=["web"])

    feed = parsed(await client.get("/feed.atom"))

    assert feed.feed.title == "Conduit"
    assert feed.feed.id == f"{BASE}/feed.atom"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": f"{BASE}/feed.atom", "alternate": f"{BASE}/"}
    assert feed.feed.author == "Conduit"
    assert [entry.title for entry in feed.entries] == [second["title"], first["title"]]
    newest, oldest = feed.entries
    assert newest.link == f"{BASE}/article/{second['slug']}"
    assert newest.author_detail == {"name": grace.username, "href": f"{BASE}/profile/{grace.username}"}
    assert [tag.term for tag in oldest.tags] == ["feeds", "python"]
    assert [tag.term for tag in newest.tags] == ["web"]
    assert newest.summary == second["description"]
    assert newest.id.startswith("urn:uuid:")
    assert newest.id != oldest.id
    assert newest.published == f"{second['createdAt'][:19]}Z"
    assert newest.updated == f"{second['updatedAt'][:19]}Z"
    assert feed.feed.updated == newest.updated


async def test_an_article_body_arrives_rendered_and_sanitized_as_on_its_page_whatever_it_holds(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    article = await write_article(await register(), body=HOSTILE_BODY, title="Fish & <chips>\x0b")

    response = await client.get("/feed.atom")
    feed = parsed(response)
    document = ET.fromstring(response.content)  # noqa: S314  # the app's own document
    content = document.find(f"{ATOM}entry/{ATOM}content")

    assert content is not None
    assert content.get("type") == "html"
    assert content.text == xml_text(str(render_markdown(HOSTILE_BODY)))
    assert "<strong>bold</strong>" in (content.text or "")
    assert "<script" not in (content.text or "")
    assert 'href="javascript' not in (content.text or "")
    assert "\x0b" not in response.text
    assert feed.entries[0].title == "Fish & <chips>"
    assert feed.entries[0].link == f"{BASE}/article/{article['slug']}"


async def test_a_feed_holds_only_the_newest_articles(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    written = [await write_article(author) for _ in range(FEED_ENTRIES + 2)]

    feed = parsed(await client.get("/feed.atom"))

    assert [entry.title for entry in feed.entries] == [article["title"] for article in reversed(written)][:FEED_ENTRIES]


async def test_a_tag_feed_holds_the_tags_articles_and_an_unused_tag_an_empty_feed(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    tagged = await write_article(author, tag_list=["a b/c"])
    await write_article(author, tag_list=["other"])

    feed = parsed(await client.get("/feed.atom", params={"tag": "a b/c"}))
    unused = parsed(await client.get("/feed.atom", params={"tag": "nobody-uses-this"}))

    assert [entry.title for entry in feed.entries] == [tagged["title"]]
    assert feed.feed.title == "Conduit: articles tagged a b/c"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": f"{BASE}/feed.atom?tag=a%20b%2Fc",
        "alternate": f"{BASE}/?tag=a%20b%2Fc",
    }
    assert unused.entries == []
    assert unused.feed.title == "Conduit: articles tagged nobody-uses-this"


async def test_an_author_feed_holds_their_articles_and_an_unknown_author_has_none(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    ada, grace = await register(), await register()
    mine = await write_article(ada)
    await write_article(grace)

    feed = parsed(await client.get(f"/profile/{ada.username}/feed.atom"))
    unknown = await client.get("/profile/nobody-at-all/feed.atom")

    assert [entry.title for entry in feed.entries] == [mine["title"]]
    assert feed.feed.author_detail == {"name": ada.username, "href": f"{BASE}/profile/{ada.username}"}
    assert feed.feed.link == f"{BASE}/profile/{ada.username}"
    assert unknown.status_code == 404
    assert "set-cookie" not in unknown.headers


async def test_the_addresses_come_from_the_request_so_they_hold_behind_a_proxy(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    article = await write_article(await register())

    feed = parsed(await client.get("https://conduit.example/feed.atom"))

    assert feed.feed.id == "https://conduit.example/feed.atom"
    assert feed.entries[0].link == f"https://conduit.example/article/{article['slug']}"


async def test_a_feed_answers_conditional_requests_and_every_change_gives_it_a_new_etag(
    client: AsyncClient, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    article = await write_article(author, tag_list=["one"])
    first = await client.get("/feed.atom")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    by_etag = await client.get("/feed.atom", headers={"If-None-Match": etag})
    by_date = await client.get("/feed.atom", headers={"If-Modified-Since": last_modified})
    older = format_datetime(parsedate_to_datetime(last_modified).replace(year=2001), usegmt=True)
    stale = await client.get("/feed.atom", headers={"If-Modified-Since": older})
    other_etag = await client.get("/feed.atom", headers={"If-None-Match": '"nope"', "If-Modified-Since": last_modified})
    head = await client.head("/feed.atom")

    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=300"
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_etag.headers["etag"] == etag
    assert by_date.status_code == 304
    assert stale.status_code == 200
    assert other_etag.status_code == 200  # If-None-Match decides when both are sent
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", etag)
    assert head.headers["content-length"] == str(len(first.content))

    etags = [etag]
    slug = article["slug"]
    changes = [
        ("post", "/api/articles", {"article": {"title": "Another", "description": "d", "body": "b"}}),
        ("put", f"/api/articles/{slug}", {"article": {"body": "edited"}}),
        ("put", f"/api/articles/{slug}", {"article": {"tagList": ["one", "two"]}}),
        ("delete", f"/api/articles/{slug}", None),
    ]
    for method, path, payload in changes:
        answer = await client.request(method, path, headers=author.headers, json=payload)
        assert answer.status_code in (200, 201, 204), answer.text
        response = await client.get("/feed.atom", headers={"If-None-Match": etags[-1]})
        assert response.status_code == 200, f"{method} {path} left the feed's ETag as it was"
        etags.append(response.headers["etag"])
    assert len(set(etags)) == len(etags)
    tag_feed = parsed(await client.get("/feed.atom", params={"tag": "two"}))
    assert tag_feed.entries == []  # the article filed under it was deleted


async def test_feeds_set_no_cookies_and_are_not_part_of_the_api_schema(
    client: AsyncClient, browser: Browser, member: Account
) -> None:
    signed_in = await browser.get("/feed.atom")
    schema = (await client.get("/api/docs/openapi.json")).json()

    assert signed_in.status_code == 200
    assert "set-cookie" not in signed_in.headers
    assert not [path for path in schema["paths"] if "atom" in path]
    assert (await client.post("/feed.atom")).status_code == 405


async def test_the_private_feed_holds_the_followed_authors_articles_until_its_address_is_replaced(
    client: AsyncClient, browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle
) -> None:
    followed, other = await register(), await register()
    await client.post(f"/api/profiles/{followed.username}/follow", headers=member.headers)
    wanted = await write_article(followed)
    await write_article(other)
    old_url = await private_url(browser)
    assert old_url.startswith(f"{BASE}/private/")
    assert await private_url(browser) == old_url  # the same address every time the page is shown

    response = await client.get(old_url)
    feed = parsed(response)
    replaced = await browser.submit("/settings", "/settings/feed-token", {})
    new_url = await private_url(browser)

    assert [entry.title for entry in feed.entries] == [wanted["title"]]
    assert feed.feed.title == f"Conduit: {member.username}'s feed"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["x-robots-tag"] == "noindex"
    assert (replaced.status_code, replaced.headers["location"]) == (303, "/settings#private-feed")
    assert new_url != old_url
    assert (await client.get(old_url)).status_code == 404
    assert (await client.head(old_url)).status_code == 404
    assert [entry.title for entry in parsed(await client.get(new_url)).entries] == [wanted["title"]]


async def test_the_private_address_is_shown_to_its_owner_only_and_kept_as_a_hash(
    client: AsyncClient, browser: Browser, member: Account, register: RegisterUser, db: AsyncSession
) -> None:
    never_asked = await register()
    url = await private_url(browser)
    token = url.split("/")[-2]
    await browser.submit("/settings", "/logout", {})
    other = await register()
    await browser.sign_in(other)
    others_page = await browser.get("/settings")

    rows = {user.username: user.feed_token_hash for user in (await db.scalars(select(User))).all()}
    assert token not in others_page.text
    assert PRIVATE_URL.search(others_page.text)
    assert rows[member.username] == feed_token_hash(token)
    assert token not in str(rows)
    assert rows[never_asked.username] is None


@pytest.mark.parametrize("action", ["disable", "sign_out_everywhere", "new_password"])
async def test_a_disabled_account_or_one_signed_out_everywhere_loses_its_private_feed(
    client: AsyncClient, browser: Browser, member: Account, alchemy: SQLAlchemyAsyncConfig, action: str
) -> None:
    url = await private_url(browser)
    assert (await client.get(url)).status_code == 200

    async with alchemy.get_session() as session, session.begin():
        service = UserService(session=session)
        user = await service.get_by_username(member.username)
        if action == "disable":
            await service.set_active(member.username, active=False)
        elif action == "sign_out_everywhere":
            await service.sign_out_everywhere(user)
        else:
            await service.update_account(user, {"password": "a brand new secret"})

    assert (await client.get(url)).status_code == 404


async def test_revoking_api_tokens_leaves_the_private_feed_alone(
    client: AsyncClient, browser: Browser, member: Account, alchemy: SQLAlchemyAsyncConfig
) -> None:
    url = await private_url(browser)

    async with alchemy.get_session() as session, session.begin():
        service = UserService(session=session)
        await service.revoke_tokens(await service.get_by_username(member.username))

    assert (await client.get(url)).status_code == 200


async def test_the_access_log_leaves_the_private_token_out(
    client: AsyncClient, browser: Browser, member: Account
) -> None:
    url = await private_url(browser)
    token = url.split("/")[-2]

    with captured_logs() as logs:
        await client.get(url)
        await client.get(url.replace(token, "not-a-token"))

    access = "\n".join(line for line in logs.text.splitlines() if "conduit.access" in line)
    assert token not in access
    assert "not-a-token" not in access
    assert access.count("path=/private/[secret]/feed.atom") == 2


async def test_replacing_the_address_needs_the_forms_csrf_token(browser: Browser, member: Account) -> None:
    url = await private_url(browser)

    refused = await browser.client.post("/settings/feed-token")

    assert refused.status_code == 403
    assert await private_url(browser) == url


async def test_the_pages_link_their_feeds(
    client: AsyncClient, browser: Browser, member: Account, write_article: WriteArticle
) -> None:
    await write_article(member, tag_list=["news"])

    home = await client.get("/")
    tagged = await client.get("/", params={"tag": "a b&c"})
    profile = await client.get(f"/profile/{member.username}")
    yours = await browser.get("/?feed=you")

    alternate = '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">'
    assert alternate.format("Conduit", "/feed.atom") in home.text
    assert '<a href="/feed.atom" type="application/atom+xml">Atom feed</a>' in home.text
    assert alternate.format("Conduit: articles tagged a b&amp;c", "/feed.atom?tag=a%20b%26c") in tagged.text
    profile_feed = f"/profile/{member.username}/feed.atom"
    assert alternate.format(f"Conduit: articles by {member.username}", profile_feed) in profile.text
    assert f'<a href="{profile_feed}" type="application/atom+xml">' in profile.text
    assert "application/atom+xml" not in yours.text
    for page in (home, tagged, profile):
        href = re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)"', page.text)
        assert href
        parsed(await client.get(href.group(1).replace("&amp;", "&")))
