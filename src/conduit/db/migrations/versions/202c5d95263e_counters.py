"""Counters kept by the database, and indexes that serve paging from the index alone.

Lists no longer count rows: ``users.articles_count`` and ``favorites_count``,
``articles.favorites_count``, ``tags.articles_count`` and the ``articles`` row of ``counters``
are kept current by triggers in the same transaction as the write that changes them (cascading
deletes included), and are backfilled here. The paging indexes end with ``id``, the tiebreaker of
the newest-first order, so a page's ids come from the index without reading the table.
"""

import sqlalchemy as sa
from alembic import op

from conduit.db.migrations.columns import string

revision = "202c5d95263e"
down_revision = "2b2b0df6430f"

COUNTED = {
    # table: [(counter table, counter column, key column in the counter table, key column here)]
    "articles": [("users", "articles_count", "id", "author_id"), ("counters", "value", "name", "'articles'")],
    "favorites": [("articles", "favorites_count", "id", "article_id"), ("users", "favorites_count", "id", "user_id")],
    "article_tags": [("tags", "articles_count", "id", "tag_id")],
}
"""Which counters a row of each table adds one to (and takes one from when it is deleted)."""


def _key(row: str, column: str) -> str:
    return column if column.startswith("'") else f"{row}.{column}"


def _row_updates(table: str, row: str, sign: str) -> str:
    """SQLite: the counter updates for one inserted (``NEW``) or deleted (``OLD``) row."""
    return " ".join(
        f"UPDATE {target} SET {counter} = {counter} {sign} 1 WHERE {key} = {_key(row, column)};"  # noqa: S608
        for target, counter, key, column in COUNTED[table]
    )


def _statement_updates(table: str) -> str:
    """PostgreSQL: the counter updates for all the rows a statement inserted or deleted (``changed``), once."""
    updates = []
    for target, counter, key, column in COUNTED[table]:
        if column.startswith("'"):
            updates.append(
                f"UPDATE {target} SET {counter} = {counter} + sign * (SELECT count(*) FROM changed) "  # noqa: S608
                f"WHERE {key} = {column};"
            )
        else:
            updates.append(
                f"UPDATE {target} SET {counter} = {counter} + sign * changes.n "  # noqa: S608
                f"FROM (SELECT {column}, count(*) AS n FROM changed GROUP BY {column}) AS changes "
                f"WHERE {target}.{key} = changes.{column};"
            )
    return " ".join(updates)


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Statement-level triggers with transition tables: a bulk insert pays once per statement, not per row.
        for table in COUNTED:
            op.execute(
                f"CREATE FUNCTION count_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"DECLARE sign integer := TG_ARGV[0]::integer; BEGIN "
                f"IF EXISTS (SELECT FROM changed) THEN {_statement_updates(table)} END IF; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed "
                f"FOR EACH STATEMENT EXECUTE FUNCTION count_{table}('1')"
            )
            op.execute(
                f"CREATE TRIGGER {table}_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed "
                f"FOR EACH STATEMENT EXECUTE FUNCTION count_{table}('-1')"
            )
        return
    for table in COUNTED:
        op.execute(f"CREATE TRIGGER {table}_added AFTER INSERT ON {table} BEGIN {_row_updates(table, 'NEW', '+')} END")
        op.execute(
            f"CREATE TRIGGER {table}_removed AFTER DELETE ON {table} BEGIN {_row_updates(table, 'OLD', '-')} END"
        )


def _drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in COUNTED:
        for trigger in (f"{table}_added", f"{table}_removed"):
            op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgres else f"DROP TRIGGER {trigger}")
        if postgres:
            op.execute(f"DROP FUNCTION count_{table}()")


def upgrade() -> None:
    op.create_table(
        "counters",
        string("name", 32),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("favorites_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_index("ix_articles_author_id_created_at")
        batch_op.drop_index("ix_articles_created_at")
        batch_op.create_index("ix_articles_author_id_created_at_id", ["author_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_articles_created_at_id", ["created_at", "id"], unique=False)
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_article_id_created_at")
        batch_op.create_index("ix_comments_article_id_created_at_id", ["article_id", "created_at", "id"], unique=False)
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("articles_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_tags_popularity", [sa.literal_column("articles_count DESC"), "name"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("articles_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("favorites_count", sa.Integer(), server_default="0", nullable=False))

    op.execute(
        "UPDATE articles SET favorites_count = "
        "(SELECT count(*) FROM favorites WHERE favorites.article_id = articles.id)"
    )
    op.execute(
        "UPDATE users SET articles_count = (SELECT count(*) FROM articles WHERE articles.author_id = users.id), "
        "favorites_count = (SELECT count(*) FROM favorites WHERE favorites.user_id = users.id)"
    )
    op.execute(
        "UPDATE tags SET articles_count = (SELECT count(*) FROM article_tags WHERE article_tags.tag_id = tags.id)"
    )
    op.execute("INSERT INTO counters (name, value) SELECT 'articles', count(*) FROM articles")
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("favorites_count")
        batch_op.drop_column("articles_count")
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index("ix_tags_popularity")
        batch_op.drop_column("articles_count")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_article_id_created_at_id")
        batch_op.create_index("ix_comments_article_id_created_at", ["article_id", "created_at"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_created_at_id")
        batch_op.drop_index("ix_articles_author_id_created_at_id")
        batch_op.create_index("ix_articles_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_articles_author_id_created_at", ["author_id", "created_at"], unique=False)
        batch_op.drop_column("favorites_count")
    op.drop_table("counters")
