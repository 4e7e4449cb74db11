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
"""

import re
from dataclasses import dataclass

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
