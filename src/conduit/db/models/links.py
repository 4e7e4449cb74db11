"""Link tables: one row per pair, the two foreign keys forming the primary key."""

from advanced_alchemy.base import orm_registry
from sqlalchemy import Column, ForeignKey, Index, Table


def link_table(name: str, first: tuple[str, str], second: tuple[str, str]) -> Table:
    """A table of ``(first, second)`` pairs, each a ``(column, "table.id")``, looked up by either side.

    The primary key serves lookups by the first column; an index serves lookups by the second.
    Deleting either side deletes its pairs.
    """
    return Table(
        name,
        orm_registry.metadata,
        *(
            Column(column, ForeignKey(target, ondelete="CASCADE"), primary_key=True)
            for column, target in (first, second)
        ),
        Index(f"ix_{name}_{second[0]}", second[0]),
    )
