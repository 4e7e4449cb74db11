"""Feed counts: ``users.feed_articles_count``, how many articles the authors each account follows have written.

The feed's total (``articlesCount``) reads it instead of adding up every followed author's count, which cost a
reader following thousands of authors a pass over them on every page. Triggers keep it current in the same
transaction as the write, as they keep the other counters (``202c5d95263e``):

- an article added or deleted moves the count of each of its author's followers by one;
- a follow added or removed moves the follower's count by the articles the followed author has.

A follow counts the author's articles. Deleting an account cascades to its follows and to its articles, and
PostgreSQL fires the statement triggers of both cascades only once both are done, when neither finds the other's
rows. So a trigger before an account is deleted removes the follows of it first, while its articles still count:
they leave its followers' counts exactly once, on both databases. On PostgreSQL a follow first takes a share lock
on the followed author's row, which an article's own counter trigger (``articles_added``, run before
``articles_to_feeds_*`` by name) updates: a follow and an article by its author written at the same time wait for
each other, so the second one counts the first, while follows of one author do not wait for each other. SQLite has
one writer at a time.
"""

import sqlalchemy as sa
from alembic import op

revision = "7c41d2a9e815"
down_revision = "2efe9848f669"

ARTICLES_FOLLOWERS = (
    "SELECT f.follower_id, count(*) AS n FROM changed AS ch JOIN follows AS f ON f.followed_id = ch.author_id "
    "GROUP BY f.follower_id"
)
FOLLOWED_ARTICLES = (
    "SELECT ch.follower_id, count(a.id) AS n FROM changed AS ch JOIN articles AS a ON a.author_id = ch.followed_id "
    "GROUP BY ch.follower_id"
)
POSTGRES_FUNCTIONS = {
    "articles": "UPDATE users SET feed_articles_count = feed_articles_count + sign * c.n "  # noqa: S608
    f"FROM ({ARTICLES_FOLLOWERS}) AS c WHERE users.id = c.follower_id;",
    "follows": "PERFORM 1 FROM users WHERE id IN (SELECT followed_id FROM changed) ORDER BY id FOR SHARE; "  # noqa: S608
    "UPDATE users SET feed_articles_count = feed_articles_count + sign * c.n "
    f"FROM ({FOLLOWED_ARTICLES}) AS c WHERE users.id = c.follower_id;",
}
SQLITE_UPDATES = {
    "articles": "UPDATE users SET feed_articles_count = feed_articles_count {sign} 1 "
    "WHERE id IN (SELECT follower_id FROM follows WHERE followed_id = {row}.author_id);",
    "follows": "UPDATE users SET feed_articles_count = feed_articles_count {sign} "
    "(SELECT count(*) FROM articles WHERE author_id = {row}.followed_id) WHERE id = {row}.follower_id;",
}
BACKFILL = (
    "UPDATE users SET feed_articles_count = (SELECT count(*) FROM follows JOIN articles "
    "ON articles.author_id = follows.followed_id WHERE follows.follower_id = users.id)"
)


RELEASE_FOLLOWS = "DELETE FROM follows WHERE followed_id = OLD.id;"
"""Before an account is deleted: the follows of it go first, counted against its articles."""


def create_triggers() -> None:
    """The triggers keeping ``users.feed_articles_count`` (a later revision copying these tables redoes them)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION release_follows() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {RELEASE_FOLLOWS} RETURN OLD; END $$"
        )
        op.execute(
            "CREATE TRIGGER users_follows_released BEFORE DELETE ON users "
            "FOR EACH ROW EXECUTE FUNCTION release_follows()"
        )
        for table, updates in POSTGRES_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION count_{table}_to_feeds() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"DECLARE sign integer := TG_ARGV[0]::integer; BEGIN "
                f"IF EXISTS (SELECT FROM changed) THEN {updates} END IF; RETURN NULL; END $$"
            )
            for event, table_name, sign in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "-1")):
                suffix = "added" if event == "INSERT" else "removed"
                op.execute(
                    f"CREATE TRIGGER {table}_to_feeds_{suffix} AFTER {event} ON {table} "
                    f"REFERENCING {table_name} TABLE AS changed FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION count_{table}_to_feeds('{sign}')"
                )
        return
    op.execute(f"CREATE TRIGGER users_follows_released BEFORE DELETE ON users BEGIN {RELEASE_FOLLOWS} END")
    for table, update in SQLITE_UPDATES.items():
        for event, row, sign in (("INSERT", "NEW", "+"), ("DELETE", "OLD", "-")):
            suffix = "added" if event == "INSERT" else "removed"
            body = update.format(sign=sign, row=row)
            op.execute(f"CREATE TRIGGER {table}_to_feeds_{suffix} AFTER {event} ON {table} BEGIN {body} END")


def drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP TRIGGER users_follows_released ON users" if postgres else "DROP TRIGGER users_follows_released")
    if postgres:
        op.execute("DROP FUNCTION release_follows()")
    for table in POSTGRES_FUNCTIONS:
        for suffix in ("added", "removed"):
            trigger = f"{table}_to_feeds_{suffix}"
            op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgres else f"DROP TRIGGER {trigger}")
        if postgres:
            op.execute(f"DROP FUNCTION count_{table}_to_feeds()")


def upgrade() -> None:
    op.add_column("users", sa.Column("feed_articles_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(BACKFILL)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("feed_articles_count")
