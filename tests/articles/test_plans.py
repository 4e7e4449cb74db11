"""Every list a person reads often runs on an index, never a scan of a whole table, checked with the
database's own EXPLAIN on a data set large enough for the planner to prefer an index."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import AsyncClient
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from conduit.app import create_app
from conduit.articles.queries import NEWEST_FIRST, Cursor
from conduit.articles.services import DENSE_FEED_ARTICLES
from conduit.cli.demo import DemoPlan, insert_demo_data
from conduit.config import alchemy_config_of
from conduit.db.models import Article, Tag, User, follows
from tests.conftest import ON_POSTGRES, serve, settings_for
from tests.support.databases import execute_on_server, migrate_afresh

pytestmark = pytest.mark.anyio

PLAN = DemoPlan(users=2_000, articles=10_000, seed=3, now=datetime(2026, 11, 1, tzinfo=UTC))
LARGE_TABLES = ("articles", "article_tags", "favorites", "follows", "comments", "users")
"""The tables that grow with use (the demo's 40 tags fit in one page, where a scan is the best plan)."""


@pytest.fixture(scope="module")
def planned_url(suite_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for this module, migrated: seeding it once serves every test here."""
    suite = make_url(suite_database_url)
    if suite.get_backend_name() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('plans') / 'plans.sqlite3'}"
        migrate_afresh(url)
        yield url
        return
    name = f"{suite.database}_plans"
    execute_on_server(suite_database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute_on_server(suite_database_url, f'CREATE DATABASE "{name}"')
    url = suite.set(database=name).render_as_string(hide_password=False)
    migrate_afresh(url)
    yield url
    execute_on_server(suite_database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def planned(
    planned_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[AsyncClient, SQLAlchemyAsyncConfig]]:
    """Conduit on the module's database."""
    app = create_app(settings_for(tmp_path_factory.mktemp("var"), planned_url))
    async with serve(app) as client:
        yield client, alchemy_config_of(app)


@pytest.fixture(scope="module")
async def seeded(planned: tuple[AsyncClient, SQLAlchemyAsyncConfig]) -> dict[str, Any]:
    """Ten thousand demo articles, vacuumed and analysed as autovacuum would; some names to ask for."""
    _, alchemy = planned
    async with alchemy.get_engine().begin() as connection:
        await insert_demo_data(connection, PLAN, lambda _table, _rows: None)
        tag = await connection.scalar(select(Tag.name).order_by(Tag.articles_count.desc()).limit(1))
        slug = await connection.scalar(select(Article.slug).limit(1))
        author = await connection.scalar(select(User.username).where(User.articles_count > 0).limit(1))
        fan = await connection.scalar(select(User.username).where(User.favorites_count > 0).limit(1))
        deep = (
            await connection.execute(
                select(Article.created_at, Article.id)
                .order_by(Article.created_at.desc(), Article.id.desc())
                .offset(9_000)
            )
        ).first()
        assert deep is not None
    async with alchemy.get_engine().connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE" if ON_POSTGRES else "ANALYZE")
    return {"tag": tag, "slug": slug, "author": author, "fan": fan, "cursor": Cursor(*deep).encode()}


async def plans_of(client: AsyncClient, alchemy: SQLAlchemyAsyncConfig, path: str, **options: Any) -> list[str]:
    """The plan of every SELECT the request to ``path`` runs, as lines of text."""
    executed: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            executed.append((statement, parameters))

    engine = alchemy.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = await client.get(path, **options)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    plans: list[str] = []
    async with alchemy.get_engine().connect() as connection:
        for statement, parameters in executed:
            explain = "EXPLAIN " if ON_POSTGRES else "EXPLAIN QUERY PLAN "
            result = await connection.exec_driver_sql(explain + statement, parameters)
            plans.append("\n".join(_line(row) for row in result))
    return plans


def _line(row: Any) -> str:
    """A plan line: PostgreSQL's text, or SQLite's ``parent|detail`` (the parent tells the query blocks apart)."""
    return str(row[0]) if ON_POSTGRES else f"{row[1]}|{row[3]}"


def full_scans(plan: str) -> list[str]:
    """The lines of ``plan`` that read a whole large table, or sort a whole table's rows to find a page.

    On SQLite a sort is fine when its query block reads no large table (it sorts the page's own rows).
    """
    lines = plan.splitlines()
    if ON_POSTGRES:
        return [line for line in lines if "Seq Scan on" in line and any(f" {t} " in f"{line} " for t in LARGE_TABLES)]
    scans = {line.partition("|")[0] for line in lines if _scans_large_table(line.partition("|")[2])}
    return [
        line
        for line in lines
        if any(line.partition("|")[2] == f"SCAN {table}" for table in LARGE_TABLES)
        or ("USE TEMP B-TREE FOR ORDER BY" in line and line.partition("|")[0] in scans)
    ]


def _scans_large_table(detail: str) -> bool:
    return any(detail.startswith(f"SCAN {table}") for table in LARGE_TABLES)


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles?limit=20",
        "/api/articles?limit=20&offset=9000",
        "/api/articles?limit=20&tag={tag}",
        "/api/articles?limit=20&author={author}",
        "/api/articles?limit=20&favorited={fan}",
        "/api/articles?limit=20&search=management",
        '/api/articles?limit=20&search="culture certain" or radio -management',
        "/api/articles?limit=20&search=management&tag={tag}",
        "/api/articles?limit=20&search=management&author={author}",
        "/api/articles?limit=20&search=management&favorited={fan}",
        "/api/articles?limit=20&offset=500&search=management",
        "/api/articles/{slug}",
        "/api/articles/{slug}/comments",
        "/api/profiles/{author}",
        "/api/tags",
        "/",
        "/?page=902&older_than={cursor}&skip=10",
        "/?page=1000&oldest=10",
        "/profile/{author}",
        "/article/{slug}",
        "/search?q=management&page=3",
    ],
)
async def test_reads_use_indexes(
    planned: tuple[AsyncClient, SQLAlchemyAsyncConfig], seeded: dict[str, Any], path: str
) -> None:
    plans = await plans_of(*planned, path.format(**seeded))

    assert plans
    for plan in plans:
        assert full_scans(plan) == [], plan


async def test_the_feed_uses_indexes(
    planned: tuple[AsyncClient, SQLAlchemyAsyncConfig], seeded: dict[str, Any]
) -> None:
    client, alchemy = planned
    credentials = {"email": f"{seeded['author']}@example.org", "password": "conduit-demo"}
    async with alchemy.get_engine().connect() as connection:
        email = await connection.scalar(select(User.email).where(User.username == seeded["author"]))
    login = await client.post("/api/users/login", json={"user": {**credentials, "email": email}})
    token = login.json()["user"]["token"]

    plans = await plans_of(client, alchemy, "/api/articles/feed?limit=20", headers={"Authorization": f"Token {token}"})

    assert len(plans) >= 2  # the token holder, then the page
    for plan in plans:
        assert full_scans(plan) == [], plan


async def test_the_heaviest_followers_feed_walks_the_newest_articles(
    planned: tuple[AsyncClient, SQLAlchemyAsyncConfig], seeded: dict[str, Any]
) -> None:
    """The demo's heaviest follower follows 30% of the accounts: shallow pages of the feed walk the newest articles
    from the index alone and probe the follows (``dense feed``); a deep page reads the followed authors' articles.
    Both find what the follows say, and the kept total."""
    client, alchemy = planned
    async with alchemy.get_engine().connect() as connection:
        reader = (
            await connection.execute(
                select(User.id, User.email, User.feed_articles_count).order_by(User.feed_articles_count.desc()).limit(1)
            )
        ).one()
        followed = select(follows.c.followed_id).where(follows.c.follower_id == reader.id)
        newest = select(Article.slug).where(Article.author_id.in_(followed)).order_by(*NEWEST_FIRST)
        expected = {
            offset: list((await connection.scalars(newest.limit(20).offset(offset))).all()) for offset in (0, 40, 300)
        }
        counted = int(await connection.scalar(select(func.count()).where(Article.author_id.in_(followed))) or 0)
    assert reader.feed_articles_count == counted >= DENSE_FEED_ARTICLES
    login = await client.post("/api/users/login", json={"user": {"email": reader.email, "password": "conduit-demo"}})
    headers = {"Authorization": f"Token {login.json()['user']['token']}"}

    for offset, slugs in expected.items():
        page = (await client.get(f"/api/articles/feed?limit=20&offset={offset}", headers=headers)).json()
        assert [article["slug"] for article in page["articles"]] == slugs
        assert page["articlesCount"] == counted
    plans = await plans_of(client, alchemy, "/api/articles/feed?limit=20", headers=headers)

    walk = "Index Only Scan Backward using ix_articles_created_at_id_author_id"  # no table rows once vacuumed
    assert any(walk in plan for plan in plans) or not ON_POSTGRES
    for plan in plans:
        assert full_scans(plan) == [], plan


async def test_the_check_catches_a_full_scan(
    planned: tuple[AsyncClient, SQLAlchemyAsyncConfig], seeded: dict[str, Any]
) -> None:
    """The tests above could not fail if they never saw a scan: here is one."""
    _, alchemy = planned
    async with alchemy.get_engine().connect() as connection:
        explain = "EXPLAIN " if ON_POSTGRES else "EXPLAIN QUERY PLAN "
        sorted_by_title = str(select(Article.slug).order_by(Article.title).limit(1))
        result = await connection.execute(text(explain + sorted_by_title.replace(":param_1", "1")))
        plan = "\n".join(_line(row) for row in result)

    assert full_scans(plan)
