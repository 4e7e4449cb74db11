"""The full-text index of articles, as the queries see it (the revision ``cf560e166595`` creates it).

It is derived from the articles and their tags and kept current by triggers, so it stands outside the models'
metadata: never exported or imported, never compared by Alembic (``migration_rules.include_name``).
"""

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

TEXT_SEARCH_CONFIG = "english"
"""PostgreSQL's text search configuration (stemming and stop words), the one the revision's triggers index with."""

SEARCH_TABLES = frozenset({"article_search", "article_search_fts"})
"""The index's tables; on SQLite the FTS5 table's shadow tables too (``article_search_fts_data``, ...)."""

postgres_search = Table(
    "article_search",
    MetaData(),
    Column("article_id", GUID(length=16), primary_key=True),
    Column("author_id", GUID(length=16)),
    Column("tag_ids", ARRAY(BigInteger)),
    Column("created_at", DateTimeUTC(timezone=True)),
    Column("head", TSVECTOR),
    Column("document", TSVECTOR),
)
"""PostgreSQL: an article's author, tags and vectors, ``head`` (title and tags weighted A, description B) and
``document`` (all)."""

sqlite_search = Table(
    "article_search",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("article_id", GUID(length=16)),
    Column("title", Text),
    Column("tags", Text),
    Column("description", Text),
    Column("body", Text),
)
"""SQLite: an article's texts under the integer key the FTS5 index ``article_search_fts`` knows it by."""

SQLITE_FTS = "article_search_fts"
SQLITE_FTS_COLUMNS = ("title", "tags", "description", "body")


def is_search_table(name: str) -> bool:
    """Whether ``name`` is a table of the search index (shadow tables included)."""
    return name in SEARCH_TABLES or name.startswith(f"{SQLITE_FTS}_")
