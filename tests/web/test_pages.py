"""Every page and action of the web app, server side: status, content, redirects and session rows."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import Article, Comment, SessionRecord, User
from conduit.web import browser_sessions
from conduit.web.browser_sessions import BROWSER_SESSION_COOKIE, purge_expired_browser_sessions
from tests.conftest import Account, RegisterUser, WriteArticle
from tests.web.conftest import Browser, session_rows

pytestmark = pytest.mark.anyio


async def test_home_for_a_visitor_lists_articles_and_tags_and_stores_no_session(
    browser: Browser, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    author = await register()
    await write_article(author, title="Hello web", tag_list=["greeting"])

    response = await browser.get("/")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "A place to share your knowledge." in response.text
    assert "Hello web" in response.text
    assert 'href="/?tag=greeting"' in response.text
    assert "Sign in" in response.text
    assert BROWSER_SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert await session_rows(db) == 0


async def test_sign_up_signs_in_with_a_safe_cookie_and_one_session_row(browser: Browser, db: AsyncSession) -> None:
    fields = {"username": "webby", "email": "webby@example.org", "password": "long enough"}

    response = await browser.submit("/register", "/register", fields)

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(BROWSER_SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert await session_rows(db) == 1
    home = await browser.get("/")
    assert "Your feed" in home.text
    assert 'href="/profile/webby"' in home.text


async def test_sign_up_errors_show_next_to_the_field_and_save_nothing(
    browser: Browser, register: RegisterUser, db: AsyncSession
) -> None:
    taken = await register()

    response = await browser.submit(
        "/register", "/register", {"username": taken.username, "email": "not-an-email", "password": "long enough"}
    )
    duplicate = await browser.submit(
        "/register", "/register", {"username": taken.username, "email": "fresh@example.org", "password": "long enough"}
    )

    assert response.status_code == 422
    assert 'id="email-errors"' in response.text
    assert "email is invalid" in response.text
    assert duplicate.status_code == 422
    assert 'id="username-errors"' in duplicate.text
    assert "username has already been taken" in duplicate.text
    assert f'value="{taken.username}"' in duplicate.text
    assert await db.scalar(select(func.count()).select_from(User)) == 1
    assert await session_rows(db) == 0


async def test_sign_in_with_a_wrong_password_is_refused(
    browser: Browser, register: RegisterUser, db: AsyncSession
) -> None:
    account = await register()

    response = await browser.submit("/login", "/login", {"email": account.email, "password": "wrong password"})

    assert response.status_code == 422
    assert "credentials invalid" in response.text
    assert await session_rows(db) == 0


async def test_sign_in_returns_to_the_page_asked_for(browser: Browser, register: RegisterUser) -> None:
    account = await register()
    redirected = await browser.get("/editor")

    page = await browser.get(redirected.headers["location"])
    response = await browser.submit(
        redirected.headers["location"],
        "/login",
        {"email": account.email, "password": account.password, "next": "/editor"},
    )
    elsewhere = await browser.submit(
        "/login", "/login", {"email": account.email, "password": account.password, "next": "https://evil.example/"}
    )

    assert redirected.status_code == 303
    assert redirected.headers["location"] == "/login?next=/editor"
    assert 'name="next" value="/editor"' in page.text
    assert response.headers["location"] == "/editor"
    assert elsewhere.headers["location"] == "/"


async def test_sign_out_deletes_the_session_row(browser: Browser, member: Account, db: AsyncSession) -> None:
    assert await session_rows(db) == 1

    response = await browser.submit("/settings", "/logout", {})

    assert response.status_code == 303
    assert await session_rows(db) == 0
    assert "Sign in" in (await browser.get("/")).text


async def test_forms_without_the_csrf_token_are_refused(browser: Browser, member: Account, db: AsyncSession) -> None:
    response = await browser.client.post("/editor", data={"title": "t", "description": "d", "body": "b"})

    assert response.status_code == 403
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


async def test_the_api_is_not_subject_to_csrf(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.post(
        "/api/articles",
        headers=account.headers,
        json={"article": {"title": "API", "description": "d", "body": "b"}},
    )

    assert response.status_code == 201


async def test_pages_for_members_send_visitors_to_sign_in(browser: Browser) -> None:
    for path in ("/editor", "/settings", "/?feed=you"):
        response = await browser.get(path)
        if path == "/?feed=you":
            assert response.status_code == 200
            assert "Your feed" not in response.text
        else:
            assert response.status_code == 303
            assert response.headers["location"] == f"/login?next={path}"


async def test_write_an_article_with_tags_and_read_it_rendered_safely(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    body = "Intro with **bold** and [a link](https://example.org).\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))"

    response = await browser.submit(
        "/editor",
        "/editor",
        {"title": "Web article", "description": "About it", "body": body, "tags": "web, htmx  python"},
    )
    article = await browser.get(response.headers["location"])

    assert response.status_code == 303
    assert response.headers["location"] == "/article/web-article"
    assert article.status_code == 200
    assert "<strong>bold</strong>" in article.text
    assert 'href="https://example.org"' in article.text
    assert 'rel="noopener noreferrer nofollow"' in article.text
    assert "<script>alert(1)</script>" not in article.text
    assert 'href="javascript:' not in article.text
    for tag in ("htmx", "python", "web"):
        assert f'href="/?tag={tag}"' in article.text
    stored = await db.scalar(select(Article).where(Article.slug == "web-article"))
    assert stored is not None
    assert stored.body == body


async def test_markdown_tables_keep_their_column_alignment_as_classes(
    browser: Browser, member: Account, write_article: WriteArticle
) -> None:
    body = "| Left | Centre | Right | Plain |\n|:-----|:------:|------:|-------|\n| a | b | c | d |"
    article = await write_article(member, body=body)

    page = (await browser.get(f"/article/{article['slug']}")).text

    for cell in ("th", "td"):
        assert f'<{cell} class="align-left">' in page
        assert f'<{cell} class="align-center">' in page
        assert f'<{cell} class="align-right">' in page
    assert "<th>Plain</th>" in page
    assert "<td>d</td>" in page
    assert "style=" not in page


async def test_the_favicon_is_an_ico_and_an_svg(browser: Browser) -> None:
    ico = await browser.get("/favicon.ico")
    svg = await browser.get("/static/favicon.svg")
    home = await browser.get("/")

    assert (ico.status_code, ico.headers["content-type"]) == (200, "image/x-icon")
    assert ico.content[:6] == b"\x00\x00\x01\x00\x01\x00"
    assert ico.content[22:30] == b"\x89PNG\r\n\x1a\n"
    assert (svg.status_code, svg.headers["content-type"]) == (200, "image/svg+xml")
    assert svg.text.startswith("<svg")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home.text


ARTICLE_BODY = re.compile(r'<div class="article-body">.*?</div>', re.DOTALL)


@pytest.mark.parametrize("htmx", [False, True])
async def test_the_editor_previews_the_article_as_its_page_will_show_it_and_saves_nothing(
    browser: Browser, member: Account, write_article: WriteArticle, db: AsyncSession, htmx: bool
) -> None:
    body = "# Heading\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    article = await write_article(member, title="Saved title", body=body)
    fields = {"title": "Typed title", "description": "d", "body": body, "tags": "typed", "action": "preview"}

    new = await browser.submit("/editor", "/editor", fields, htmx=htmx)
    edit = await browser.submit(f"/editor/{article['slug']}", f"/editor/{article['slug']}", fields, htmx=htmx)
    article_page = await browser.get(f"/article/{article['slug']}")

    rendered = ARTICLE_BODY.search(article_page.text)
    assert rendered is not None
    assert "<h1>Heading</h1>" in rendered.group()
    for response in (new, edit):
        assert response.status_code == 200
        preview = ARTICLE_BODY.search(response.text)
        assert preview is not None
        assert preview.group() == rendered.group()
        assert "<script>" not in response.text
        assert 'href="javascript:' not in response.text
        if htmx:
            assert response.text.lstrip().startswith('<section id="preview"')
        else:
            assert 'value="Typed title"' in response.text
            assert 'value="typed"' in response.text
    assert await db.scalar(select(func.count()).select_from(Article)) == 1
    assert await db.scalar(select(Article.title)) == "Saved title"


async def test_someone_elses_article_cannot_be_previewed_in_the_editor(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle
) -> None:
    article = await write_article(await register())

    response = await browser.submit(
        "/editor", f"/editor/{article['slug']}", {"title": "t", "description": "d", "body": "b", "action": "preview"}
    )

    assert response.status_code == 403


async def test_editor_errors_show_next_to_the_field_and_save_nothing(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    response = await browser.submit("/editor", "/editor", {"title": "  ", "description": "d", "body": "b", "tags": ""})

    assert response.status_code == 422
    assert 'id="title-errors"' in response.text
    assert "title can&#39;t be blank" in response.text
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


async def test_edit_an_article_changes_its_slug_and_tags(
    browser: Browser, member: Account, write_article: WriteArticle
) -> None:
    article = await write_article(member, title="Old title", tag_list=["old"])
    form = await browser.get(f"/editor/{article['slug']}")

    response = await browser.submit(
        f"/editor/{article['slug']}",
        f"/editor/{article['slug']}",
        {"title": "New title", "description": "d", "body": "Changed", "tags": "new"},
    )
    page = await browser.get("/article/new-title")

    assert 'value="Old title"' in form.text
    assert response.headers["location"] == "/article/new-title"
    assert "Changed" in page.text
    assert 'href="/?tag=new"' in page.text
    assert 'href="/?tag=old"' not in page.text


async def test_someone_elses_article_cannot_be_edited_or_deleted(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    article = await write_article(await register(), title="Not yours")

    form = await browser.get(f"/editor/{article['slug']}")
    saved = await browser.submit(
        f"/article/{article['slug']}", f"/editor/{article['slug']}", {"title": "Mine", "description": "d", "body": "b"}
    )
    deleted = await browser.submit(f"/article/{article['slug']}", f"/article/{article['slug']}/delete", {})

    assert form.status_code == 403
    assert "Not yours to change" in form.text
    assert (saved.status_code, deleted.status_code) == (403, 403)
    assert await db.scalar(select(Article.title).where(Article.slug == article["slug"])) == "Not yours"


async def test_delete_an_article(
    browser: Browser, member: Account, write_article: WriteArticle, db: AsyncSession
) -> None:
    article = await write_article(member)

    response = await browser.submit(f"/article/{article['slug']}", f"/article/{article['slug']}/delete", {})

    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert await db.scalar(select(func.count()).select_from(Article)) == 0
    assert (await browser.get(f"/article/{article['slug']}")).status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
async def test_favorite_and_unfavorite(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle, htmx: bool
) -> None:
    slug = (await write_article(await register()))["slug"]

    favorited = await browser.submit(f"/article/{slug}", f"/article/{slug}/favorite", {"next": "/"}, htmx=htmx)
    page = await browser.get(f"/article/{slug}")
    unfavorited = await browser.submit(f"/article/{slug}", f"/article/{slug}/unfavorite", {}, htmx=htmx)

    assert 'aria-pressed="true"' in page.text
    assert "Unfavorite article" in page.text
    if htmx:
        assert favorited.status_code == 200
        assert favorited.text.lstrip().startswith('<form class="inline-form favorite"')
        assert "Unfavorite article" in favorited.text
        assert "(1)" in favorited.text
        assert "Favorite article" in unfavorited.text
        assert "(0)" in unfavorited.text
    else:
        assert (favorited.status_code, favorited.headers["location"]) == (303, "/")
        assert (unfavorited.status_code, unfavorited.headers["location"]) == (303, f"/article/{slug}")


async def test_favorite_needs_a_member(browser: Browser, register: RegisterUser, write_article: WriteArticle) -> None:
    slug = (await write_article(await register()))["slug"]

    response = await browser.submit(f"/article/{slug}", f"/article/{slug}/favorite", {})

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("htmx", [False, True])
async def test_follow_and_unfollow(browser: Browser, member: Account, register: RegisterUser, htmx: bool) -> None:
    celeb = await register()

    followed = await browser.submit(f"/profile/{celeb.username}", f"/profile/{celeb.username}/follow", {}, htmx=htmx)
    profile = await browser.get(f"/profile/{celeb.username}")
    unfollowed = await browser.submit(
        f"/profile/{celeb.username}", f"/profile/{celeb.username}/unfollow", {}, htmx=htmx
    )

    assert f"Unfollow {celeb.username}" in profile.text
    if htmx:
        assert f"Unfollow {celeb.username}" in followed.text
        assert f"Follow {celeb.username}" in unfollowed.text
    else:
        assert followed.headers["location"] == f"/profile/{celeb.username}"
        assert unfollowed.status_code == 303


async def test_your_feed_shows_followed_authors(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle
) -> None:
    followed, stranger = await register(), await register()
    await write_article(followed, title="From a friend")
    await write_article(stranger, title="From a stranger")
    await browser.submit(f"/profile/{followed.username}", f"/profile/{followed.username}/follow", {})

    feed = await browser.get("/?feed=you")

    assert "From a friend" in feed.text
    assert "From a stranger" not in feed.text


@pytest.mark.parametrize("htmx", [False, True])
async def test_add_and_delete_comments(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle, db: AsyncSession, htmx: bool
) -> None:
    slug = (await write_article(await register()))["slug"]

    added = await browser.submit(
        f"/article/{slug}", f"/article/{slug}/comments", {"body": "Nice & <b>bold</b>"}, htmx=htmx
    )
    comment_id = await db.scalar(select(Comment.id))
    page = await browser.get(f"/article/{slug}")
    deleted = await browser.submit(f"/article/{slug}", f"/article/{slug}/comments/{comment_id}/delete", {}, htmx=htmx)

    assert "Nice &amp; &lt;b&gt;bold&lt;/b&gt;" in page.text
    if htmx:
        assert added.status_code == 200
        assert f'id="comment-{comment_id}"' in added.text
        assert 'hx-swap-oob="beforeend:#comments"' in added.text
        assert (deleted.status_code, deleted.text) == (200, "")
    else:
        assert added.headers["location"] == f"/article/{slug}#comment-{comment_id}"
        assert deleted.headers["location"] == f"/article/{slug}#comments"
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


async def test_a_blank_comment_is_refused_next_to_the_field(
    browser: Browser, member: Account, write_article: WriteArticle, db: AsyncSession
) -> None:
    slug = (await write_article(member))["slug"]

    response = await browser.submit(f"/article/{slug}", f"/article/{slug}/comments", {"body": "   "})

    assert response.status_code == 422
    assert 'id="body-errors"' in response.text
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


async def test_someone_elses_comment_cannot_be_deleted(
    browser: Browser,
    member: Account,
    register: RegisterUser,
    write_article: WriteArticle,
    client: AsyncClient,
    db: AsyncSession,
) -> None:
    author = await register()
    slug = (await write_article(author))["slug"]
    posted = await client.post(
        f"/api/articles/{slug}/comments", headers=author.headers, json={"comment": {"body": "x"}}
    )
    comment_id = posted.json()["comment"]["id"]

    response = await browser.submit(f"/article/{slug}", f"/article/{slug}/comments/{comment_id}/delete", {})

    assert response.status_code == 403
    assert await db.scalar(select(func.count()).select_from(Comment)) == 1


async def test_profile_tabs_and_pagination(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle
) -> None:
    author = await register()
    titles = [(await write_article(author, title=f"Post number {n:02d}"))["title"] for n in range(12)]
    favorite = (await write_article(await register(), title="A favorite"))["slug"]
    await browser.submit(f"/article/{favorite}", f"/article/{favorite}/favorite", {})

    first = await browser.get(f"/profile/{author.username}")
    second_page = re.search(r'href="(/profile/[^"]+page=2[^"]*)"', first.text)
    assert second_page, first.text
    second = await browser.get(html.unescape(second_page.group(1)))
    partial = await browser.get(
        html.unescape(second_page.group(1)), headers={"HX-Request": "true", "HX-Target": "article-list"}
    )
    favorites = await browser.get(f"/profile/{member.username}/favorites")

    assert first.status_code == 200
    assert titles[-1] in first.text
    assert titles[0] not in first.text
    assert titles[0] in second.text
    assert titles[-1] not in second.text
    assert partial.text.lstrip().startswith('<div id="article-list"')
    assert "<html" not in partial.text
    assert "A favorite" in favorites.text


async def test_unknown_pages_get_a_404_page(browser: Browser) -> None:
    for path in ("/article/missing", "/profile/nobody", "/nothing/here"):
        response = await browser.get(path)
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        assert "Back to the home page" in response.text


async def test_error_pages_show_the_signed_in_members_navigation(browser: Browser, member: Account) -> None:
    for path in ("/article/missing", "/nothing/here"):
        response = await browser.get(path)
        assert response.status_code == 404
        assert f'href="/profile/{member.username}"' in response.text
        assert 'href="/settings"' in response.text
        assert 'href="/editor"' in response.text
        assert 'href="/login"' not in response.text


async def test_error_pages_show_a_visitors_navigation_to_visitors_and_ended_sessions(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    await db.execute(update(User).values(session_version=User.session_version + 1))
    await db.commit()
    ended = await browser.get("/nothing/here")
    browser.client.cookies.clear()
    visitor = await browser.get("/nothing/here")

    for response in (ended, visitor):
        assert response.status_code == 404
        assert 'href="/login"' in response.text
        assert 'href="/settings"' not in response.text


async def test_settings_update_the_profile_and_password(browser: Browser, member: Account, db: AsyncSession) -> None:
    fields = {"image": "", "username": "renamed", "bio": "I write", "email": member.email, "password": "a new password"}

    response = await browser.submit("/settings", "/settings", fields)
    invalid = await browser.submit("/settings", "/settings", {**fields, "email": "broken"})
    await browser.submit("/settings", "/logout", {})
    relogin = await browser.submit("/login", "/login", {"email": member.email, "password": "a new password"})

    assert response.headers["location"] == "/profile/renamed"
    assert invalid.status_code == 422
    assert "email is invalid" in invalid.text
    assert relogin.status_code == 303
    user = await db.scalar(select(User).where(User.email == member.email))
    assert user is not None
    assert (user.username, user.bio) == ("renamed", "I write")


async def test_settings_refuse_a_picture_that_is_not_a_web_address(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    fields = {"image": "not a url", "username": "renamed", "bio": "I write", "email": member.email}

    response = await browser.submit("/settings", "/settings", fields)

    assert response.status_code == 422
    assert 'id="image-errors"' in response.text
    assert "image must be an http or https URL" in response.text
    assert 'value="not a url"' in response.text
    stored = await db.scalar(select(User).where(User.email == member.email))
    assert stored is not None
    assert (stored.username, stored.bio, stored.image) == (member.username, None, None)


async def test_a_picture_stored_before_pictures_were_checked_shows_the_initial_instead(
    browser: Browser, member: Account, db: AsyncSession
) -> None:
    await db.execute(update(User).values(image="not a url"))
    await db.commit()

    profile = await browser.get(f"/profile/{member.username}")

    assert "not a url" not in profile.text
    assert f'aria-hidden="true">{member.username[0].upper()}</span>' in profile.text


async def test_sessions_slide_forward_and_expired_ones_are_purged(
    browser: Browser, member: Account, db: AsyncSession, alchemy: SQLAlchemyAsyncConfig
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    await db.execute(update(SessionRecord).values(expires_at=past))
    await db.commit()

    expired = await browser.get("/settings")
    await browser.sign_in(member)
    db.expire_all()
    renewed_at = await db.scalar(select(SessionRecord.expires_at))
    await db.execute(update(SessionRecord).values(expires_at=past))
    await db.commit()
    async with alchemy.get_session() as session, session.begin():
        purged = await purge_expired_browser_sessions(session)

    assert expired.status_code == 303
    assert renewed_at is not None
    assert renewed_at > datetime.now(UTC) + timedelta(days=13)
    assert purged == 1
    assert await session_rows(db) == 0


async def test_a_planted_session_id_is_never_adopted(
    browser: Browser, register: RegisterUser, db: AsyncSession
) -> None:
    account = await register()
    browser.client.cookies.set(BROWSER_SESSION_COOKIE, "chosen-by-an-attacker")

    await browser.sign_in(account)

    key = await db.scalar(select(SessionRecord.key))
    assert key is not None
    assert "chosen-by-an-attacker" not in key


async def test_a_disabled_member_is_signed_out(browser: Browser, member: Account, db: AsyncSession) -> None:
    await db.execute(update(User).where(User.email == member.email).values(is_active=False))
    await db.commit()

    response = await browser.get("/settings")

    assert response.status_code == 303
    assert await session_rows(db) == 0


async def test_the_cookie_is_secure_over_https(browser: Browser, register: RegisterUser) -> None:
    account = await register()
    https = "https://testserver.local"

    response = await browser.submit(
        f"{https}/login", f"{https}/login", {"email": account.email, "password": account.password}
    )

    assert response.status_code == 303
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(BROWSER_SESSION_COOKIE)
    )
    assert "Secure" in cookie


async def test_pages_stay_out_of_the_api_schema(client: AsyncClient) -> None:
    schema = (await client.get("/api/docs/openapi.json")).json()

    assert schema["paths"]
    assert all(path.startswith("/api/") for path in schema["paths"])


async def test_an_unchanged_session_is_renewed_only_every_few_minutes(
    browser: Browser, member: Account, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def expiry_after_a_visit() -> datetime | None:
        await browser.get("/settings")
        db.expire_all()
        return await db.scalar(select(SessionRecord.expires_at))

    first = await expiry_after_a_visit()
    second = await expiry_after_a_visit()
    monkeypatch.setattr(browser_sessions, "RENEW_AFTER_SECONDS", 0)
    third = await expiry_after_a_visit()

    assert first is not None
    assert second == first
    assert third is not None
    assert third > first


async def test_a_comment_with_a_nul_character_is_refused_next_to_the_field(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle, db: AsyncSession
) -> None:
    slug = (await write_article(await register()))["slug"]

    response = await browser.submit(f"/article/{slug}", f"/article/{slug}/comments", {"body": "a\x00b"})

    assert response.status_code == 422
    assert "body must not contain NUL characters" in response.text
    assert await db.scalar(select(func.count()).select_from(Comment)) == 0


async def test_a_comment_id_that_cannot_exist_is_a_404_page(
    browser: Browser, member: Account, register: RegisterUser, write_article: WriteArticle
) -> None:
    slug = (await write_article(await register()))["slug"]

    response = await browser.submit(f"/article/{slug}", f"/article/{slug}/comments/{2**63}/delete", {})

    assert response.status_code == 404
    assert "Page not found" in response.text
