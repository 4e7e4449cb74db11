"""What people type into a search, read once in Python and said again to each database.

The syntax is PostgreSQL's ``websearch_to_tsquery``: words (all must match), ``"a quoted phrase"`` (its words
next to each other), ``-word`` or ``-"a phrase"`` (must not match) and ``or`` between alternatives
(``cat dog or bird`` is "cat and dog, or bird"). Reading it here first makes both databases agree:

- PostgreSQL gets the query written back in the same syntax, through ``websearch_to_tsquery``;
- SQLite gets an FTS5 expression in which every word and phrase is a quoted string, so that nothing a person
  types can be FTS5 syntax (an error there would be a 500).

What can match nothing is left out on both: a word or phrase without a letter or digit, an English stop word
(``the``, ``of``: PostgreSQL's ``english`` configuration does not index them, FTS5 does), and an alternative
made only of exclusions (``-word`` alone would mean "every article but these", a scan of everything). A query
left with nothing to look for (``""``, ``-``, ``or``, ``the``) matches no article.

The statements that find and rank the matches (``search_statement``) follow the reading of the query.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, String, bindparam, column, func, literal_column, select, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session

from conduit.articles.queries import FILTERS, ArticlePage, article_rows
from conduit.db.models import Article, Tag, User, favorites
from conduit.db.search import SQLITE_FTS, SQLITE_FTS_COLUMNS, TEXT_SEARCH_CONFIG, postgres_search, sqlite_search
from conduit.db.statements import read_rows

SEARCH_MAX_LENGTH = 200
"""The longest search accepted, in characters (the API answers 422 beyond it, the search page says so)."""

STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is
    are was were be been being have has had having do does did doing a an the and but if or because as until
    while of at by for with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just don should
    now""".split()  # noqa: SIM905 - written as the file is
)
"""PostgreSQL's English stop words (``tsearch_data/english.stop``): its ``english`` configuration drops them."""

_TERM = re.compile(r'(-*)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """A word, or a phrase (``quoted``), as typed."""

    text: str
    quoted: bool

    def words(self) -> list[str]:
        """The letters-and-digits runs of the term, in lower case."""
        return _WORD.findall(self.text.lower())

    def matters(self) -> bool:
        """Whether the term can match anything: it has a word that is not a stop word."""
        return any(word not in STOP_WORDS for word in self.words())

    def websearch(self) -> str:
        return f'"{self.text}"' if self.quoted else self.text

    def fts5(self) -> str:
        return '"' + self.text.replace('"', '""') + '"'


@dataclass(frozen=True)
class Alternative:
    """Terms that must all match, and terms none of which may."""

    wanted: tuple[Term, ...]
    excluded: tuple[Term, ...]

    def websearch(self) -> str:
        return " ".join(
            [*(term.websearch() for term in self.wanted), *(f"-{term.websearch()}" for term in self.excluded)]
        )

    def fts5(self) -> str:
        wanted = " AND ".join(term.fts5() for term in self.wanted)
        if not self.excluded:
            return f"({wanted})"
        return f"(({wanted}) NOT ({' OR '.join(term.fts5() for term in self.excluded)}))"


@dataclass(frozen=True)
class SearchQuery:
    """A search, read: alternatives, any of which an article must match."""

    alternatives: tuple[Alternative, ...]

    def __bool__(self) -> bool:
        return bool(self.alternatives)

    def websearch(self) -> str:
        """The query in ``websearch_to_tsquery``'s syntax, for PostgreSQL."""
        return " or ".join(alternative.websearch() for alternative in self.alternatives)

    def fts5(self) -> str:
        """The query as an FTS5 ``MATCH`` expression, every word and phrase quoted."""
        return " OR ".join(alternative.fts5() for alternative in self.alternatives)


def parse_search(text: str) -> SearchQuery:
    """Read a search typed in ``websearch_to_tsquery``'s syntax (see the module's docstring)."""
    alternatives: list[Alternative] = []
    wanted: list[Term] = []
    excluded: list[Term] = []

    def close() -> None:
        if wanted:
            alternatives.append(Alternative(tuple(wanted), tuple(excluded)))
        wanted.clear()
        excluded.clear()

    for match in _TERM.finditer(text):
        negated, phrase, word = bool(match[1]), match[2], match[3]
        if word is not None and not negated and word.lower() == "or":
            close()
            continue
        term = Term(phrase if phrase is not None else word, quoted=phrase is not None)
        if term.matters():
            (excluded if negated else wanted).append(term)
    close()
    return SearchQuery(tuple(alternatives))


MARKS = ("\x01", "\x02")
"""What the database puts around each matched word of a description (``web.search`` turns them into ``<mark>``)."""
SEARCH_CONFIG: ColumnElement[str] = literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
"""PostgreSQL's text search configuration, the one the index is made with."""
SQLITE_WEIGHTS = (5.0, 5.0, 2.0, 1.0)
"""bm25's weights of the FTS5 columns title, tags, description and body: PostgreSQL's ranking weights A, A, B and C
(1, 1, 0.4 and 0.2) in proportion."""


@cache
def search_statement(dialect: str, *, signed_in: bool, filters: tuple[str, ...], marked: bool = False) -> Select[Any]:
    """A page of the article rows matching the search bound as ``search`` and ``filters``, best first, with the total.

    ``search`` is ``SearchQuery.websearch()`` on PostgreSQL, ``SearchQuery.fts5()`` on SQLite. The matches are
    found once, by the full-text index, and ranked (PostgreSQL: ``ts_rank`` of the title, tags and description,
    so that matches in the body alone rank alike; SQLite: FTS5's bm25 with column weights); equal ranks come
    newest first. Only the page's rows are then read, and ``marked`` adds their descriptions with the matched
    words between ``MARKS``.
    """
    matches = _matches(dialect, filters)
    order = (matches.c.rank.desc(), matches.c.created_at.desc(), matches.c.id.desc())
    page_ids = (
        select(matches.c.id, matches.c.rank, matches.c.created_at)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    statement = (
        article_rows(dialect, signed_in=signed_in)
        .add_columns(select(func.count()).select_from(matches).scalar_subquery().label("total"))
        .join(page_ids, page_ids.c.id == Article.id)
        .order_by(page_ids.c.rank.desc(), page_ids.c.created_at.desc(), page_ids.c.id.desc())
    )
    if marked:
        statement = statement.add_columns(_marked_description(dialect).label("marked_description"))
    return statement


@cache
def search_total_statement(dialect: str, filters: tuple[str, ...]) -> Select[Any]:
    """How many articles match the search bound as ``search`` and ``filters`` (for a page past the end)."""
    return select(func.count()).select_from(_matches(dialect, filters))


def _matches(dialect: str, filters: tuple[str, ...]) -> Any:
    """The ids, creation times and ranks of the articles matching the search and ``filters``, as a CTE."""
    return _postgres_matches(filters) if dialect == "postgresql" else _sqlite_matches(filters)


def _postgres_query() -> Any:
    """The bound search as a ``tsquery``, computed once per statement (a subquery PostgreSQL runs once)."""
    return select(func.websearch_to_tsquery(SEARCH_CONFIG, bindparam("search", type_=String))).scalar_subquery()


POSTGRES_SEARCH_FILTERS: dict[str, ColumnElement[bool]] = {
    "tag": postgres_search.c.tag_ids.contains(
        postgresql.array([select(Tag.id).where(Tag.name == bindparam("tag")).scalar_subquery()])
    ),
    "author": postgres_search.c.author_id
    == select(User.id).where(User.username == bindparam("author")).scalar_subquery(),
    "favorited": postgres_search.c.article_id.in_(
        select(favorites.c.article_id).where(
            favorites.c.user_id == select(User.id).where(User.username == bindparam("favorited")).scalar_subquery()
        )
    ),
}
"""``FILTERS`` on PostgreSQL's ``article_search``, which carries each article's author and tags: the index that finds
the words finds the tag too, and an author's articles come from an index of their own, whatever the planner guesses
of a search it sees as a parameter."""


def _postgres_matches(filters: tuple[str, ...]) -> Any:
    search = postgres_search.c
    rank = func.ts_rank(search.head, _postgres_query())
    return (
        select(search.article_id.label("id"), search.created_at, rank.label("rank"))
        .where(search.document.op("@@")(_postgres_query()), *(POSTGRES_SEARCH_FILTERS[name] for name in filters))
        .cte("matches")
    )


SQLITE_INDEX = table(SQLITE_FTS, column("rowid"))
"""The FTS5 table; its name is also the column its ``MATCH`` and auxiliary functions take."""


def _sqlite_match() -> ColumnElement[bool]:
    return literal_column(SQLITE_FTS).op("MATCH")(bindparam("search", type_=String))


def _sqlite_matches(filters: tuple[str, ...]) -> Any:
    weights = ", ".join(str(weight) for weight in SQLITE_WEIGHTS)
    rank = -func.bm25(literal_column(SQLITE_FTS), literal_column(weights))
    return (
        select(Article.id, Article.created_at, rank.label("rank"))
        .select_from(SQLITE_INDEX)
        .join(sqlite_search, sqlite_search.c.id == SQLITE_INDEX.c.rowid)
        .join(Article, Article.id == sqlite_search.c.article_id)
        .where(_sqlite_match(), *(FILTERS[name] for name in filters))
        .cte("matches")
    )


def _marked_description(dialect: str) -> Any:
    """The description of the ``Article`` row at hand, the words the search matched between ``MARKS``."""
    start, stop = MARKS
    if dialect == "postgresql":
        options: ColumnElement[str] = literal_column(f'\'HighlightAll=true, StartSel="{start}", StopSel="{stop}"\'')
        return func.ts_headline(SEARCH_CONFIG, Article.description, _postgres_query(), options)
    description: ColumnElement[int] = literal_column(str(SQLITE_FTS_COLUMNS.index("description")))
    return (
        select(
            func.highlight(
                literal_column(SQLITE_FTS), description, *(literal_column(f"char({ord(mark)})") for mark in MARKS)
            )
        )
        .select_from(SQLITE_INDEX)
        .where(
            _sqlite_match(),
            SQLITE_INDEX.c.rowid
            == select(sqlite_search.c.id)
            .where(sqlite_search.c.article_id == Article.id)
            .correlate(Article)
            .scalar_subquery(),
        )
        .scalar_subquery()
    )


async def search_page(
    session: AsyncSession | async_scoped_session[AsyncSession],
    viewer_id: UUID | None,
    query: SearchQuery,
    filters: dict[str, str],
    *,
    limit: int,
    offset: int,
    marked: bool = False,
) -> ArticlePage:
    """One page of rows matching ``query`` and ``filters``, best first, and their total.

    One statement; a second only when the page is past the end of the matches; none when ``query``
    has nothing to look for.
    """
    if not query:
        return ArticlePage([], 0)
    names = tuple(sorted(filters))
    dialect = session.get_bind().dialect.name
    search = query.websearch() if dialect == "postgresql" else query.fts5()
    statement = search_statement(dialect, signed_in=viewer_id is not None, filters=names, marked=marked)
    values: dict[str, Any] = {
        **filters,
        "search": search,
        "viewer_id": viewer_id,
        "limit": limit,
        "offset": offset,
    }
    rows = await read_rows(session, statement, values)
    if rows:
        return ArticlePage(rows, int(rows[0]["total"]))
    if offset == 0:
        return ArticlePage(rows, 0)
    total = await session.scalar(search_total_statement(dialect, names), values)
    return ArticlePage(rows, int(total or 0))
