"""Article search: a full-text index over titles, tags, descriptions and bodies, kept current by triggers.

PostgreSQL: ``article_search`` holds one row per article: its id, author, tag ids and creation time, ``head``
(title and tag names weighted A, description weighted B) and ``document`` (``head`` and the body weighted C),
both ``tsvector``s of the ``english`` text search configuration, which the queries use too
(``conduit.db.search.TEXT_SEARCH_CONFIG``). One GIN index on ``document`` and the tag ids finds the matches,
of a tag too (GIN intersects the two); a B-tree index on the author serves the author filter. ``head`` is small
and stored in the row, so ranking the matches reads no large value. The table is narrow on purpose: a common
word matches a fifth of the articles, and counting and ranking them costs a visit per page of the table, far
fewer pages here than in ``articles``.

SQLite: ``article_search`` holds the same four texts per article under an integer key, which the FTS5 index
``article_search_fts`` (porter stemming over unicode61, diacritics kept as PostgreSQL keeps them) uses as its
external content.

On both, triggers on ``articles`` (insert, a change of title, description or body, delete) and on
``article_tags`` (insert, delete) keep the index in the same transaction as the write; tag names never change.
Existing articles are indexed here. The index is derived: it is neither exported nor imported (the triggers
fill it as rows are imported), and the models do not declare it (``conduit.db.migration_rules`` keeps
Alembic's comparison away from it). A later revision that copies ``articles`` or ``article_tags`` (a batch
migration on SQLite) drops their triggers and must create them again, as it must the counters'.
"""

from alembic import op

revision = "cf560e166595"
down_revision = "69661170b0a6"

# PostgreSQL: the row of each article whose id is given, written or rewritten in one statement. The stop word before
# each field after the title leaves a gap in the positions, so that a phrase never runs from one field into the next
# (as in SQLite's FTS5, where the fields are columns). Between tag names, on both databases, a stop word does the same
# for two tags, whatever the order the database lists them in.
POSTGRES_REFRESH = """
CREATE OR REPLACE FUNCTION article_search_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $$
INSERT INTO article_search (article_id, author_id, tag_ids, created_at, head, document)
SELECT a.id, a.author_id, tagged.id_list, a.created_at, v.head,
    v.head || setweight(to_tsvector('english', 'the ' || a.body), 'C')
FROM articles AS a
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') AS id_list, coalesce(string_agg(t.name, ' the '), '') AS names
    FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id WHERE at.article_id = a.id
) AS tagged
CROSS JOIN LATERAL (
    SELECT setweight(to_tsvector('english', a.title), 'A')
        || setweight(to_tsvector('english', 'the ' || tagged.names), 'A')
        || setweight(to_tsvector('english', 'the ' || a.description), 'B') AS head
) AS v
WHERE a.id = ANY(ids)
ON CONFLICT (article_id) DO UPDATE
SET tag_ids = excluded.tag_ids, created_at = excluded.created_at, head = excluded.head, document = excluded.document
$$
"""
POSTGRES_TRIGGERS = [
    # (trigger function, its body, the triggers that call it)
    (
        "article_search_added",
        "PERFORM article_search_refresh(ARRAY(SELECT id FROM changed));",
        [
            "CREATE TRIGGER articles_search_added AFTER INSERT ON articles REFERENCING NEW TABLE AS changed "
            "FOR EACH STATEMENT EXECUTE FUNCTION article_search_added()"
        ],
    ),
    (
        "article_search_revised",
        "PERFORM article_search_refresh(ARRAY[NEW.id]);",
        [
            "CREATE TRIGGER articles_search_revised AFTER UPDATE OF title, description, body ON articles FOR EACH ROW "
            "WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description "
            "OR OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION article_search_revised()"
        ],
    ),
    (
        "article_search_removed",
        "DELETE FROM article_search WHERE article_id IN (SELECT id FROM changed);",
        [
            "CREATE TRIGGER articles_search_removed AFTER DELETE ON articles REFERENCING OLD TABLE AS changed "
            "FOR EACH STATEMENT EXECUTE FUNCTION article_search_removed()"
        ],
    ),
    (
        "article_search_retagged",
        # Also after the cascade of an article's deletion: the article is gone by then, and nothing is written.
        "PERFORM article_search_refresh(ARRAY(SELECT DISTINCT article_id FROM changed));",
        [
            "CREATE TRIGGER article_tags_search_added AFTER INSERT ON article_tags REFERENCING NEW TABLE AS changed "
            "FOR EACH STATEMENT EXECUTE FUNCTION article_search_retagged()",
            "CREATE TRIGGER article_tags_search_removed AFTER DELETE ON article_tags REFERENCING OLD TABLE AS changed "
            "FOR EACH STATEMENT EXECUTE FUNCTION article_search_retagged()",
        ],
    ),
]
POSTGRES_TRIGGERED = {
    "articles_search_added": "articles",
    "articles_search_revised": "articles",
    "articles_search_removed": "articles",
    "article_tags_search_added": "article_tags",
    "article_tags_search_removed": "article_tags",
}

SQLITE_TAGS = (
    "coalesce((SELECT group_concat(t.name, ' the ') FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id "
    "WHERE at.article_id = {article}), '')"
)
SQLITE_FTS_VALUES = "{row}.id, {row}.title, {row}.tags, {row}.description, {row}.body"
SQLITE_TRIGGERS = {
    # The FTS5 index follows article_search (the external-content pattern of SQLite's FTS5 documentation).
    "article_search_indexed": "AFTER INSERT ON article_search BEGIN "  # noqa: S608
    "INSERT INTO article_search_fts (rowid, title, tags, description, body) "
    f"VALUES ({SQLITE_FTS_VALUES.format(row='NEW')}); END",
    "article_search_unindexed": "AFTER DELETE ON article_search BEGIN "  # noqa: S608
    "INSERT INTO article_search_fts (article_search_fts, rowid, title, tags, description, body) "
    f"VALUES ('delete', {SQLITE_FTS_VALUES.format(row='OLD')}); END",
    "article_search_reindexed": "AFTER UPDATE ON article_search BEGIN "  # noqa: S608
    "INSERT INTO article_search_fts (article_search_fts, rowid, title, tags, description, body) "
    f"VALUES ('delete', {SQLITE_FTS_VALUES.format(row='OLD')}); "
    "INSERT INTO article_search_fts (rowid, title, tags, description, body) "
    f"VALUES ({SQLITE_FTS_VALUES.format(row='NEW')}); END",
    # article_search follows the articles and their tags.
    "articles_search_added": "AFTER INSERT ON articles BEGIN "  # noqa: S608
    "INSERT INTO article_search (article_id, title, tags, description, body) "
    f"VALUES (NEW.id, NEW.title, {SQLITE_TAGS.format(article='NEW.id')}, NEW.description, NEW.body); END",
    "articles_search_revised": "AFTER UPDATE OF title, description, body ON articles BEGIN "
    "UPDATE article_search SET title = NEW.title, description = NEW.description, body = NEW.body "
    "WHERE article_id = NEW.id; END",
    "articles_search_removed": "AFTER DELETE ON articles BEGIN "
    "DELETE FROM article_search WHERE article_id = OLD.id; END",
    "article_tags_search_added": "AFTER INSERT ON article_tags BEGIN "  # noqa: S608
    f"UPDATE article_search SET tags = {SQLITE_TAGS.format(article='NEW.article_id')} "
    "WHERE article_id = NEW.article_id; END",
    "article_tags_search_removed": "AFTER DELETE ON article_tags BEGIN "  # noqa: S608
    f"UPDATE article_search SET tags = {SQLITE_TAGS.format(article='OLD.article_id')} "
    "WHERE article_id = OLD.article_id; END",
}


def _upgrade_postgres() -> None:
    # A copy left behind by `conduit database drop-all` (which drops the models' tables only) is derived: redo it.
    op.execute("DROP TABLE IF EXISTS article_search")
    op.execute(
        "CREATE TABLE article_search (article_id uuid NOT NULL, author_id uuid NOT NULL, tag_ids bigint[] NOT NULL, "
        "created_at timestamptz NOT NULL, head tsvector NOT NULL, document tsvector NOT NULL, "
        "CONSTRAINT pk_article_search PRIMARY KEY (article_id))"
    )
    op.execute(POSTGRES_REFRESH)
    op.execute("SELECT article_search_refresh(ARRAY(SELECT id FROM articles))")
    op.execute("CREATE INDEX ix_article_search_document_tag_ids ON article_search USING gin (document, tag_ids)")
    op.execute("CREATE INDEX ix_article_search_author_id ON article_search (author_id)")
    for function, body, triggers in POSTGRES_TRIGGERS:
        op.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$"
        )
        for trigger in triggers:
            op.execute(trigger)


def _upgrade_sqlite() -> None:
    # A copy left behind by `conduit database drop-all` (which drops the models' tables only) is derived: redo it.
    op.execute("DROP TABLE IF EXISTS article_search_fts")
    op.execute("DROP TABLE IF EXISTS article_search")
    op.execute(
        "CREATE TABLE article_search (id INTEGER PRIMARY KEY, article_id BLOB NOT NULL UNIQUE, "
        "title TEXT NOT NULL, tags TEXT NOT NULL, description TEXT NOT NULL, body TEXT NOT NULL)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE article_search_fts USING fts5(title, tags, description, body, "
        "content='article_search', content_rowid='id', tokenize='porter unicode61 remove_diacritics 0')"
    )
    op.execute(
        "INSERT INTO article_search (article_id, title, tags, description, body) "  # noqa: S608
        f"SELECT a.id, a.title, {SQLITE_TAGS.format(article='a.id')}, a.description, a.body FROM articles AS a"
    )
    op.execute("INSERT INTO article_search_fts (article_search_fts) VALUES ('rebuild')")
    for name, definition in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in POSTGRES_TRIGGERED.items():
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for function, _, _ in POSTGRES_TRIGGERS:
            op.execute(f"DROP FUNCTION {function}()")
        op.execute("DROP FUNCTION article_search_refresh(uuid[])")
        op.execute("DROP TABLE article_search")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE article_search_fts")
    op.execute("DROP TABLE article_search")
