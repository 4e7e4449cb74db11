"""What one read costs the server's CPU: the same statement through the plugin's session and through raw asyncpg.

A signed-in read runs two statements through the request's session (its account, then its page); an anonymous
cached read runs none. This prints, per statement, the CPU time of the Python process (``time.process_time``)
per execution, one execution after another, on an otherwise idle database:

- ``asyncpg``: the statement prepared once on a raw asyncpg connection, then ``fetch``;
- ``session``: what a request's read does on Conduit's engine (``conduit.config.alchemy_config``): a session, its
  connection in AUTOCOMMIT, the statement through ``AsyncSession.execute``, its rows (as the service reads them), the
  commit and close;
- ``empty session``: the same without the statement, so that the difference is what the statement adds.

It needs a database made by ``conduit database upgrade`` and ``conduit demo-data`` (``make bench ... --keep``
leaves ``conduit_bench``)::

    python scripts/bench_statement.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/conduit_bench
"""

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from conduit import config
from conduit.articles.queries import page_statement
from conduit.lib.settings import Settings
from conduit.lib.transactions import AUTOCOMMIT
from conduit.users.services import ACTIVE_ACCOUNT

WARMUP = 200


async def cpu_us(action: Callable[[], Awaitable[Any]], executions: int) -> float:
    """The process's CPU time per execution of ``action`` (after ``WARMUP`` unmeasured), in microseconds."""
    for _ in range(WARMUP):
        await action()
    started = time.process_time()
    for _ in range(executions):
        await action()
    return (time.process_time() - started) / executions * 1_000_000


async def measure(database_url: str, executions: int) -> None:
    os.environ.setdefault("SECRET_KEY", "statement-bench-secret-not-for-production-0123")
    os.environ["DATABASE_URL"] = database_url
    settings = Settings.from_env().completed()
    alchemy = config.alchemy_config(settings, None)
    maker = alchemy.create_session_maker()
    raw = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        reader = await raw.fetchval("SELECT follower_id FROM follows GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        page = page_statement("postgresql", signed_in=True, filters=())
        statements: dict[str, tuple[Any, dict[str, Any]]] = {
            "account": (ACTIVE_ACCOUNT, {"user_id": reader}),
            "page, signed in": (page, {"viewer_id": reader, "limit": 20, "offset": 0}),
        }

        async def empty_session() -> None:
            async with maker() as session:
                await session.connection(execution_options=AUTOCOMMIT)
                await session.commit()

        print(f"CPU per execution, {executions:,} executions each (microseconds)")
        print(f"{'statement':<16} {'asyncpg':>8} {'session':>8} {'empty session':>14}")
        empty = await cpu_us(empty_session, executions)
        for name, (statement, values) in statements.items():
            compiled = statement.compile(dialect=alchemy.get_engine().dialect)
            prepared = await raw.prepare(str(compiled))
            bound = compiled.construct_params(values)
            arguments = [bound[key] for key in compiled.positiontup or ()]

            async def through_asyncpg(prepared: Any = prepared, arguments: list[Any] = arguments) -> None:
                await prepared.fetch(*arguments)

            async def through_session(statement: Any = statement, values: dict[str, Any] = values) -> None:
                async with maker() as session:
                    await session.connection(execution_options=AUTOCOMMIT)
                    result = await session.execute(statement, values)
                    (result.scalars() if statement is ACTIVE_ACCOUNT else result.mappings()).all()
                    await session.commit()

            direct = await cpu_us(through_asyncpg, executions)
            session = await cpu_us(through_session, executions)
            print(f"{name:<16} {direct:8.0f} {session:8.0f} {empty:14.0f}")
    finally:
        await raw.close()
        await alchemy.get_engine().dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (postgresql+asyncpg://...)")
    parser.add_argument("--executions", type=int, default=3_000, help="measured executions per figure")
    args = parser.parse_args()
    asyncio.run(measure(args.database_url, args.executions))


if __name__ == "__main__":
    main()
