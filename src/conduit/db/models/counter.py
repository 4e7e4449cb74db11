"""Totals kept current by the database, so that counting never reads a whole table."""

from advanced_alchemy.base import orm_registry
from sqlalchemy import BigInteger, Column, String, Table

counters = Table(
    "counters",
    orm_registry.metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
"""Named totals (``articles``: how many articles there are), kept in step by triggers."""

ARTICLES_TOTAL = "articles"
