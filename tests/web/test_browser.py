"""The web app in a real browser: Debian's Chromium, driven by Playwright, against the real server.

A person signs up, writes an article with tags (previewing it first), another person comments, favorites and
follows (and reads the author in their private Atom feed), the author edits and deletes, and both
sign out, then the API docs are opened; each step checks the screen. Another forgets their password and gets
back in by mail, confirms their address and chooses their mail (against a real SMTP server). The
server enforces its Content-Security-Policy, and every violation the browser reports (as a
``securitypolicyviolation`` event or on the console) fails the test.
When a step fails, screenshots of the page at hand and of the main pages are saved in
``tests/artifacts/``. With ``CONDUIT_UPDATE_SCREENSHOTS=1`` the run also refreshes the
README's screenshots in ``docs/screenshots/``.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Locator, Page, expect, sync_playwright

from tests.conftest import ScratchDatabase
from tests.support.server import running_server
from tests.support.smtp import MailServer

CHROMIUM = Path(os.environ.get("CONDUIT_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 390}
MAIL_PUBLIC_URL = "http://conduit.test"
PAGES_FOR_EVERYONE = {
    "home": "/",
    "home by tag": "/?tag={tag}",
    "article with comments": "/article/{theirs}",
    "profile": "/profile/{author}",
    "profile favorites": "/profile/{author}/favorites",
    "error": "/no/such/page",
    "search results": "/search?q={tag}",
    "search without results": "/search?q=zeppelin",
}
PAGES_FOR_VISITORS = {
    "sign in": "/login",
    "sign up": "/register",
    "forgot password": "/forgot-password",
    "reset password": "/reset-password?token=from-a-mail",
    "confirm address": "/verify-email?token=from-a-mail",
}
PAGES_FOR_MEMBERS = {
    "your feed": "/?feed=you",
    "own article with comments": "/article/{mine}",
    "new article": "/editor",
    "edit article": "/editor/{mine}",
    "settings": "/settings",
}
"""The pages axe-core checks at every width in ``WIDTHS``, placeholders filled in by ``test_every_page_is_readable``.
The API docs page is Swagger UI's look, not the site's: left out."""
RUN_AXE = """async () => {
  const rules = {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}};
  const result = await axe.run(document, rules);
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                        targets: v.nodes.slice(0, 3).map((node) => node.target.join(" "))}));
}"""

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser suite skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture
def server(scratch_database: ScratchDatabase, tmp_path: Path) -> Iterator[str]:
    """The real server on a freshly migrated database with a little demo data; yields its address."""
    demo_data = ["demo-data", "--users", "8", "--articles", "24", "--seed", "11", "--until", "2026-11-20", "--quiet"]
    migration = ["database", "upgrade", "--no-prompt"]
    with running_server(scratch_database(), tmp_path, migration, demo_data) as address:
        yield address


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


def csp_violations(context: BrowserContext) -> list[str]:
    """Every Content-Security-Policy violation the pages of ``context`` report, from now on."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def report(violation: str) -> None:
        violations.append(violation)

    context.expose_function("reportViolation", report)
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (event) => window.reportViolation("
        "`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`))"
    )
    context.on("console", on_console)
    return violations


class Journey:
    """A person in a browser tab; ``step`` names what is being checked, for the failure report."""

    def __init__(self, page: Page, address: str) -> None:
        self.page = page
        self.address = address
        self.current = "start"

    @property
    def nav(self) -> Locator:
        return self.page.get_by_role("navigation", name="Main")

    def step(self, name: str) -> None:
        self.current = name

    def open(self, path: str) -> None:
        self.page.goto(self.address + path)

    def sign_up(self, username: str) -> None:
        self.open("/register")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Email").fill(f"{username}@example.org")
        self.page.get_by_label("Password").fill("browser password")
        self.page.get_by_role("button", name="Sign up").click()
        expect(self.nav.get_by_role("link", name=username)).to_be_visible()

    def sign_in(self, username: str) -> None:
        self.open("/login")
        self.page.get_by_label("Email").fill(f"{username}@example.org")
        self.page.get_by_label("Password").fill("browser password")
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.nav.get_by_role("link", name=username)).to_be_visible()

    def sign_out(self) -> None:
        self.open("/settings")
        self.page.get_by_role("button", name="Or click here to sign out.").click()
        expect(self.nav.get_by_role("link", name="Sign in")).to_be_visible()

    def save_evidence(self, folder: Path, pages: dict[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=str(folder / f"failed-at-{re.sub(r'[^a-z0-9]+', '-', self.current.lower())}.png"), full_page=True
        )
        for name, path in pages.items():
            try:
                self.open(path)
                self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            except Error:
                continue


def test_a_day_on_conduit(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = csp_violations(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    journey = Journey(page, server)
    shots: dict[str, Path] = {}
    try:
        journey.step("home for visitors")
        journey.open("/")
        expect(page.get_by_text("A place to share your knowledge.").first).to_be_visible()
        expect(page.locator("article.preview")).to_have_count(10)
        expect(page.get_by_role("heading", name="Popular tags")).to_be_visible()

        journey.step("pagination in place")
        before = page.url
        page.get_by_role("navigation", name="Pages").get_by_role("link", name="2").click()
        expect(page.get_by_role("navigation", name="Pages").locator('[aria-current="page"]')).to_have_text("2")
        assert "page=2" in page.url
        assert page.url != before
        shots["home"] = ARTIFACTS / "home.png"
        journey.open("/")
        page.screenshot(path=str(shots["home"]))

        journey.step("sign up")
        journey.sign_up("ada")

        journey.step("write an article")
        page.get_by_role("link", name="New article").click()
        page.get_by_label("Title").fill("Notes from the browser")
        page.get_by_label("What's this article about?").fill("An article written in Chromium")
        page.get_by_label("Write your article").fill("## Field notes\n\nWritten **in a real browser**.\n\n- one\n- two")
        page.get_by_label("Tags").fill("testing browsers")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview .article-body").get_by_role("heading", name="Field notes")).to_be_visible()
        expect(page.get_by_label("Title")).to_have_value("Notes from the browser")
        shots["editor"] = ARTIFACTS / "editor.png"
        page.screenshot(path=str(shots["editor"]))
        page.get_by_role("button", name="Publish article").click()
        expect(page).to_have_url(re.compile(r"/article/notes-from-the-browser$"))
        expect(page.get_by_role("heading", name="Notes from the browser")).to_be_visible()
        expect(page.locator(".article-body strong")).to_have_text("in a real browser")
        expect(page.locator(".article-body li")).to_have_count(2)
        expect(page.locator(".tag-list").get_by_role("link", name="browsers")).to_be_visible()

        journey.step("search from the header")
        search = page.get_by_role("search").get_by_label("Search articles")
        search.fill("CHROMIUM browser")
        search.press("Enter")
        expect(page).to_have_title("Search: CHROMIUM browser · Conduit")
        found = page.locator("article.preview", has_text="Notes from the browser")
        expect(found.locator("mark")).to_have_text("Chromium")
        expect(page.locator("article.preview")).to_have_count(1)
        shots["search"] = ARTIFACTS / "search.png"
        page.screenshot(path=str(shots["search"]))
        journey.sign_out()

        journey.step("another reader comments in place")
        journey.sign_up("grace")
        journey.open("/article/notes-from-the-browser")
        article_url = page.url
        page.get_by_label("Write a comment").fill("Lovely notes, thank you!")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#comments .comment")).to_have_count(1)
        expect(page.locator("#comments")).to_contain_text("Lovely notes, thank you!")
        expect(page.get_by_label("Write a comment")).to_have_value("")
        assert page.url == article_url

        journey.step("favorite and follow in place")
        page.locator(".article-banner").get_by_role("button", name=re.compile("^Favorite ")).click()
        expect(page.locator(".article-banner").get_by_role("button", name=re.compile("^Unfavorite "))).to_contain_text(
            "(1)"
        )
        page.locator(".article-banner").get_by_role("button", name="Follow ada").click()
        expect(page.locator(".article-banner").get_by_role("button", name="Unfollow ada")).to_be_visible()
        shots["article"] = ARTIFACTS / "article.png"
        page.screenshot(path=str(shots["article"]), full_page=True)
        journey.open("/?feed=you")
        expect(page.locator("article.preview").first).to_contain_text("Notes from the browser")
        journey.open("/profile/grace/favorites")
        expect(page.locator("article.preview")).to_contain_text("Notes from the browser")

        journey.step("the private feed and the site's feed")
        journey.open("/settings")
        private = page.request.get(page.get_by_label("Private feed address").input_value())
        assert private.headers["content-type"] == "application/atom+xml; charset=utf-8"
        assert "<title>Notes from the browser</title>" in private.text()
        journey.open("/")
        alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
        assert alternate == page.get_by_role("link", name="Atom feed").get_attribute("href")
        assert "<title>Notes from the browser</title>" in page.request.get(server + str(alternate)).text()
        journey.open(str(alternate))
        expect(page.get_by_text("<title>Notes from the browser</title>")).to_be_visible()
        shots["feed"] = ARTIFACTS / "feed.png"
        page.screenshot(path=str(shots["feed"]))

        journey.step("delete one's own comment in place")
        journey.open("/article/notes-from-the-browser")
        page.get_by_role("button", name="Delete comment").click()
        expect(page.locator("#comments .comment")).to_have_count(0)
        journey.sign_out()

        journey.step("the author edits and deletes")
        journey.sign_in("ada")
        journey.open("/article/notes-from-the-browser")
        page.locator(".article-banner").get_by_role("link", name="Edit article").click()
        expect(page.get_by_label("Title")).to_have_value("Notes from the browser")
        page.get_by_label("Title").fill("Revised notes")
        page.get_by_role("button", name="Publish article").click()
        expect(page).to_have_url(re.compile(r"/article/revised-notes$"))
        expect(page.get_by_role("heading", name="Revised notes")).to_be_visible()
        page.locator(".article-banner").get_by_role("button", name="Delete article").click()
        expect(page).to_have_url(server + "/")
        journey.open("/article/revised-notes")
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

        journey.step("sign out")
        journey.sign_out()
        journey.open("/settings")
        expect(page).to_have_url(re.compile(r"/login\?next=/settings$"))

        journey.step("the API docs under the same policy")
        journey.open("/api/docs/swagger")
        expect(page.get_by_role("heading", name=re.compile("Conduit API"))).to_be_visible()
        expect(page.get_by_text("/api/users/login").first).to_be_visible()

        journey.step("no page broke the Content-Security-Policy")
        assert violations == []
    except Exception:
        journey.save_evidence(
            ARTIFACTS / "failure", {"home": "/", "article": "/article/notes-from-the-browser", "editor": "/editor"}
        )
        raise
    finally:
        context.close()

    if os.environ.get("CONDUIT_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, shot in shots.items():
            shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")


@pytest.fixture
def mailing_server(scratch_database: ScratchDatabase, tmp_path: Path) -> Iterator[tuple[str, MailServer]]:
    """The real server on an empty database, mailing through an SMTP server in this process (links in the mails
    start with ``MAIL_PUBLIC_URL``)."""
    mail_server = MailServer()
    mail_server.start()
    migration = ["database", "upgrade", "--no-prompt"]
    try:
        with running_server(
            scratch_database(), tmp_path, migration, SMTP_URL=mail_server.url, PUBLIC_URL=MAIL_PUBLIC_URL
        ) as address:
            yield address, mail_server
    finally:
        mail_server.stop()


def test_a_forgotten_password_is_reset_by_mail(mailing_server: tuple[str, MailServer], browser: Browser) -> None:
    address, mail_server = mailing_server
    context = browser.new_context()
    violations = csp_violations(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    journey = Journey(page, address)

    def mailed_link(number: int, path: str) -> str:
        """The path of the link to ``path`` in the ``number``th mail (waiting for it: the server's workers send it)."""
        message = mail_server.inbox.wait_for(number)[number - 1]
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(re.escape(MAIL_PUBLIC_URL) + "(/" + path + r"\?token=\S+)", str(body.get_content()))
        assert found, body
        return found.group(1)

    try:
        journey.step("sign up")
        journey.sign_up("greta")
        confirmation = mailed_link(1, "verify-email")
        journey.sign_out()

        journey.step("ask for a reset link")
        journey.open("/login")
        page.get_by_role("link", name="Forgot password?").click()
        page.get_by_label("Email").fill("greta@example.org")
        page.get_by_role("button", name="Mail me a link").click()
        expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

        journey.step("choose a new password")
        journey.open(mailed_link(2, "reset-password"))
        page.get_by_label("New password").fill("short")
        page.get_by_role("button", name="Set the new password").click()
        expect(page.get_by_label("New password")).to_have_attribute("aria-invalid", "true")
        page.get_by_label("New password").fill("a brand new passphrase")
        page.get_by_role("button", name="Set the new password").click()
        expect(journey.nav.get_by_role("link", name="greta")).to_be_visible()

        journey.step("confirm the address")
        journey.open(confirmation)
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.get_by_role("status")).to_contain_text("greta@example.org is confirmed")

        journey.step("choose mail")
        journey.open("/settings")
        expect(page.get_by_text("Your address is confirmed.")).to_be_visible()
        page.get_by_label("When someone follows me").uncheck()
        page.get_by_role("button", name="Save mail choices").click()
        expect(page.get_by_label("When someone follows me")).not_to_be_checked()
        expect(page.get_by_label("When someone comments on my articles")).to_be_checked()
        assert violations == []
    except Exception:
        journey.save_evidence(ARTIFACTS / "failure-password-reset", {"sign in": "/login"})
        raise
    finally:
        context.close()


def test_actions_work_with_javascript_off(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    violations = csp_violations(context)
    page = context.new_page()
    journey = Journey(page, server)
    try:
        journey.sign_up("linus")
        journey.open("/")
        first = page.locator("article.preview").first
        title = first.locator("h2").inner_text()
        first.get_by_role("button", name=re.compile(r"^Favorite ")).click()
        expect(
            page.locator("article.preview", has_text=title).get_by_role("button", name=re.compile(r"^Unfavorite "))
        ).to_be_visible()
        page.get_by_role("navigation", name="Pages").get_by_role("link", name="2").click()
        expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
        page.get_by_role("search").get_by_label("Search articles").fill(title)
        page.get_by_role("search").get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"/search\?q="))
        expect(page.locator("article.preview", has_text=title).first).to_be_visible()
        assert violations == []
    except Exception:
        journey.save_evidence(ARTIFACTS / "failure-no-javascript", {"home": "/"})
        raise
    finally:
        context.close()


def test_every_page_is_readable(server: str, browser: Browser) -> None:
    """axe-core finds no serious or critical WCAG 2.1 AA violation (colour contrast among them) on any page, signed in
    or not, at desktop and phone widths; on phones the articles come before the popular tags."""
    if not AXE.exists():
        pytest.fail(f"no axe-core at {AXE}: make install-dev installs it from package.json")
    axel, beth = (_api_account(server, name) for name in ("axel", "beth"))
    places = {"tag": "readable", "author": "beth"}
    places |= {"mine": _api_article(server, axel, "Readable by axel"), "theirs": _api_article(server, beth, "Readable")}
    for account in (axel, beth):
        for slug in (places["mine"], places["theirs"]):
            _api_post(server, f"/articles/{slug}/comments", account, {"comment": {"body": "A comment to read."}})
    _api_post(server, f"/articles/{places['theirs']}/favorite", axel, {})
    serious: list[str] = []
    for member, pages in (
        (None, PAGES_FOR_EVERYONE | PAGES_FOR_VISITORS),
        ("axel", PAGES_FOR_EVERYONE | PAGES_FOR_MEMBERS),
    ):
        # axe-core is a script injected into the page, which the Content-Security-Policy forbids: bypassed here only.
        context = browser.new_context(bypass_csp=True)
        journey = Journey(context.new_page(), server)
        journey.page.set_default_timeout(10_000)
        try:
            if member:
                journey.sign_in(member)
            for width_name, width in WIDTHS.items():
                journey.page.set_viewport_size({"width": width, "height": 900})
                for name, path in pages.items():
                    journey.step(f"{name}, {width_name}, {'signed in' if member else 'signed out'}")
                    journey.open(path.format(**places))
                    serious += axe_violations(journey)
                    if (name, width_name) == ("home", "phone"):
                        assert_articles_come_first(journey.page)
        except Exception:
            journey.save_evidence(ARTIFACTS / "failure-readable", {})
            raise
        finally:
            context.close()
    assert serious == []


def axe_violations(journey: Journey) -> list[str]:
    """axe-core's serious and critical findings on the page at hand; the others are printed."""
    journey.page.add_script_tag(path=str(AXE))
    serious = []
    for violation in journey.page.evaluate(RUN_AXE):
        finding = f"{journey.current}: {violation['impact']} {violation['id']} ({violation['help']})"
        print(f"{finding} at {violation['targets']}")
        if violation["impact"] in {"serious", "critical"}:
            serious.append(f"{finding} at {violation['targets']}")
    return serious


def assert_articles_come_first(page: Page) -> None:
    first_article = page.locator("article.preview").first.bounding_box()
    tags = page.locator(".sidebar").bounding_box()
    assert first_article is not None
    assert tags is not None
    assert first_article["y"] + first_article["height"] <= tags["y"]


def _api_account(server: str, username: str) -> dict[str, str]:
    """A member registered through the API (with the password ``Journey`` signs in with); their token."""
    user = {"username": username, "email": f"{username}@example.org", "password": "browser password"}
    response = httpx.post(f"{server}/api/users", json={"user": user})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Token {response.json()['user']['token']}"}


def _api_post(server: str, path: str, headers: dict[str, str], payload: dict[str, object]) -> dict[str, object]:
    response = httpx.post(f"{server}/api{path}", headers=headers, json=payload)
    assert response.status_code in {200, 201}, response.text
    return dict(response.json())


def _api_article(server: str, headers: dict[str, str], title: str) -> str:
    """An article with a table, code and a quote, published through the API; its slug."""
    body = "Some **text** and `code`.\n\n> A quote\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n```\nprint(1)\n```"
    article = {"title": title, "description": "An article to read", "body": body, "tagList": ["readable"]}
    created = _api_post(server, "/articles", headers, {"article": article})["article"]
    assert isinstance(created, dict)
    return str(created["slug"])
