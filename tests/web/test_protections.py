"""What every response carries, and what the forms refuse: security headers, caching, CSRF origins, inline code."""

import re
from pathlib import Path

import msgspec
import pytest
from httpx import ASGITransport, AsyncClient, Headers
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.app import create_app
from conduit.db.models import Article
from conduit.lib.headers import CONTENT_SECURITY_POLICY
from conduit.web.rendering import STATIC_DIR
from tests.conftest import Account, RegisterUser, WriteArticle, serve, settings_for
from tests.web.conftest import CSRF_INPUT, Browser

pytestmark = pytest.mark.anyio

INLINE_CODE = [
    re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    re.compile(r"<style", re.IGNORECASE),
    re.compile(r"\sstyle\s*=", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE),
]
"""What a strict Content-Security-Policy would block: inline scripts, styles and event handlers."""


def assert_secure_headers(headers: Headers, *, hsts: bool = False) -> None:
    get = headers.get
    assert get("content-security-policy") == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert get("x-frame-options") == "DENY"
    assert get("x-content-type-options") == "nosniff"
    assert get("referrer-policy") == "same-origin"
    assert "camera=()" in get("permissions-policy")
    assert (get("strict-transport-security") is not None) == hsts
    assert get("server") == "Conduit"


async def test_every_kind_of_response_carries_the_security_headers(
    browser: Browser, member: Account, client: AsyncClient, write_article: WriteArticle
) -> None:
    slug = (await write_article(member))["slug"]
    paths = ["/", "/login", "/register", "/settings", "/editor", f"/article/{slug}", f"/profile/{member.username}"]
    paths += ["/nothing/here", "/api/tags", "/api/articles", "/api/user", "/api/nothing", "/static/conduit.css"]

    for path in paths:
        assert_secure_headers((await browser.get(path)).headers)
    assert_secure_headers((await client.post("/api/users/login", json={"user": {}})).headers)


def assert_no_inline_code(name: str, html: str) -> None:
    for pattern in INLINE_CODE:
        assert not pattern.search(html), f"{name}: {pattern.pattern} in {pattern.search(html)}"


async def test_pages_carry_no_inline_script_style_or_event_handler(
    browser: Browser, member: Account, write_article: WriteArticle, register: RegisterUser
) -> None:
    author = await register()
    body = "**Hello** <script>alert(1)</script> [x](javascript:alert(1))"
    slug = (await write_article(author, body=body))["slug"]
    own_slug = (await write_article(member, body=body))["slug"]
    paths = ["/", "/?feed=you", "/login", "/register", "/settings", "/editor", f"/editor/{own_slug}"]
    paths += [f"/article/{slug}", f"/profile/{author.username}", f"/profile/{member.username}/favorites"]
    paths += ["/nothing/here"]

    for path in paths:
        response = await browser.get(path)
        assert response.status_code in {200, 404}, path
        assert_secure_headers(response.headers)
        assert_no_inline_code(path, response.text)


async def test_htmx_partials_carry_the_headers_and_no_inline_code(
    browser: Browser, member: Account, write_article: WriteArticle, register: RegisterUser
) -> None:
    author = await register()
    slug = (await write_article(author, body="<script>alert(1)</script>", title="<b>Bold</b> & <i>brave</i>"))["slug"]
    in_place = {"HX-Request": "true", "HX-Target": "article-list"}
    partials = {
        "article list": await browser.get("/", headers=in_place),
        "profile's article list": await browser.get(f"/profile/{author.username}", headers=in_place),
        "favorite button": await browser.submit(f"/article/{slug}", f"/article/{slug}/favorite", {}, htmx=True),
        "follow button": await browser.submit(
            f"/profile/{author.username}", f"/profile/{author.username}/follow", {}, htmx=True
        ),
        "comment added": await browser.submit(
            f"/article/{slug}", f"/article/{slug}/comments", {"body": "<script>alert(1)</script>"}, htmx=True
        ),
        "comment refused": await browser.submit(
            f"/article/{slug}", f"/article/{slug}/comments", {"body": " "}, htmx=True
        ),
    }

    for name, response in partials.items():
        assert response.status_code in {200, 422}, name
        assert "<html" not in response.text, f"{name}: a whole page, not a partial"
        assert_secure_headers(response.headers)
        assert_no_inline_code(name, response.text)


async def test_signed_in_pages_and_token_carrying_answers_are_never_stored(
    browser: Browser, member: Account, client: AsyncClient, register: RegisterUser
) -> None:
    account = await register()
    login = await client.post("/api/users/login", json={"user": {"email": account.email, "password": account.password}})

    assert (await browser.get("/settings")).headers["cache-control"] == "no-store"
    assert (await browser.get("/")).headers["cache-control"] == "no-store"
    assert login.headers["cache-control"] == "no-store"
    assert (await client.get("/api/user", headers=account.headers)).headers["cache-control"] == "no-store"
    assert (await client.get("/api/articles", headers=account.headers)).headers["cache-control"] == "no-store"
    assert (await client.get("/api/articles")).headers["cache-control"] == "no-cache"  # anyone's: kept, revalidated


async def test_hsts_is_sent_when_cookies_are_secure(suite_database_url: str, tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, session_cookie_secure=True))
    async with serve(app) as secure:
        response = await secure.get("/api/tags")

    assert_secure_headers(response.headers, hsts=True)
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    "forged",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.local.evil.example"},
        {"Referer": "https://evil.example/page"},
    ],
)
async def test_a_form_from_another_site_is_refused_even_with_a_valid_token(
    browser: Browser, member: Account, db: AsyncSession, forged: dict[str, str]
) -> None:
    token = CSRF_INPUT.search((await browser.get("/editor")).text)
    assert token

    response = await browser.client.post(
        "/editor",
        data={"title": "Forged", "description": "d", "body": "b", "_csrf_token": token.group(1)},
        headers=forged,
    )

    assert response.status_code == 403
    assert "form was sent from another site" in response.text
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


@pytest.mark.parametrize(
    "origin", [{"Origin": "http://testserver.local"}, {"Referer": "http://testserver.local/editor"}, {}]
)
async def test_a_form_from_this_site_is_accepted(
    browser: Browser, member: Account, db: AsyncSession, origin: dict[str, str]
) -> None:
    token = CSRF_INPUT.search((await browser.get("/editor")).text)
    assert token

    response = await browser.client.post(
        "/editor",
        data={"title": "Mine", "description": "d", "body": "b", "_csrf_token": token.group(1)},
        headers=origin,
    )

    assert response.status_code == 303
    assert await db.scalar(select(func.count()).select_from(Article)) == 1


async def test_trusted_origins_may_post(suite_database_url: str, tmp_path: Path, client: AsyncClient) -> None:
    app = create_app(settings_for(tmp_path, suite_database_url, csrf_trusted_origins=("https://conduit.example",)))
    async with serve(app) as other:
        page = await other.get("/register")
        token = CSRF_INPUT.search(page.text)
        assert token
        fields = {"username": "trusted", "email": "trusted@example.org", "password": "long enough", "_csrf_token": ""}
        fields["_csrf_token"] = token.group(1)
        response = await other.post("/register", data=fields, headers={"Origin": "https://conduit.example"})

    assert response.status_code == 303


async def test_a_csrf_token_is_bound_to_the_session_it_was_given_in(
    browser: Browser, register: RegisterUser, client: AsyncClient, db: AsyncSession
) -> None:
    attacker, victim = await register(), await register()
    await browser.sign_in(attacker)
    attackers_token = CSRF_INPUT.search((await browser.get("/editor")).text)
    attackers_cookie = browser.client.cookies.get("csrftoken")
    assert attackers_token
    assert attackers_cookie
    await browser.submit("/settings", "/logout", {})
    await browser.sign_in(victim)
    browser.client.cookies.set("csrftoken", attackers_cookie, domain="testserver.local")

    response = await browser.client.post(
        "/editor", data={"title": "Forged", "description": "d", "body": "b", "_csrf_token": attackers_token.group(1)}
    )
    fresh = await browser.submit("/editor", "/editor", {"title": "Mine", "description": "d", "body": "b"})

    assert response.status_code == 403
    assert fresh.status_code == 303
    assert await db.scalar(select(func.count()).select_from(Article)) == 1


async def test_the_api_docs_come_from_the_package(client: AsyncClient) -> None:
    page = await client.get("/api/docs/swagger")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)

    assert page.status_code == 200
    assert_secure_headers(page.headers)
    for pattern in INLINE_CODE:
        assert not pattern.search(page.text)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert (await client.get("/api/docs/openapi.json")).status_code == 200
    if (STATIC_DIR / "vendor" / "swagger-ui").exists():
        for asset in assets:
            assert (await client.get(asset)).status_code == 200, asset


async def test_production_serves_no_api_docs(suite_database_url: str, tmp_path: Path) -> None:
    settings = msgspec.structs.replace(
        settings_for(tmp_path, suite_database_url),
        environment="production",
        api_docs=None,
        session_cookie_secure=None,
        account_mail=False,
    ).completed()
    app = create_app(settings)
    transport = ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), AsyncClient(transport=transport, base_url="http://testserver.local") as production:
        statuses = [
            (await production.get(path)).status_code for path in ("/api/docs/swagger", "/api/docs/openapi.json")
        ]
        tags = await production.get("/api/tags")

    assert settings.api_docs is False
    assert statuses == [404, 404]
    assert_secure_headers(tags.headers, hsts=True)
