"""Column and constraint definitions that several revisions write alike, as autogenerate first wrote them.

A revision is history: change nothing here that a revision already uses; add a new definition instead.
"""

from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


def guid(name: str) -> sa.Column[Any]:
    """A required UUID column: a primary key, or a reference to one."""
    return sa.Column(name, advanced_alchemy.types.GUID(length=16), nullable=False)


def string(name: str, length: int) -> sa.Column[Any]:
    """Required text of at most ``length`` characters."""
    return sa.Column(name, sa.String(length=length), nullable=False)


def text(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """Text of any length, required unless ``nullable``."""
    return sa.Column(name, sa.Text(), nullable=nullable)


def moment(name: str) -> sa.Column[Any]:
    """A required point in time, stored in UTC."""
    return sa.Column(name, advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False)


def numbered_id() -> sa.Column[Any]:
    """The ``id`` a table numbers its rows with (a 64-bit integer, but an integer on SQLite, where only that numbers
    rows)."""
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.Identity(always=False, start=1, increment=1),
        nullable=False,
    )


def orm_sentinel() -> sa.Column[Any]:
    """The column SQLAlchemy's bulk inserts sort returned rows by (Advanced Alchemy's UUID models have it)."""
    return sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True)


def timestamps() -> list[sa.Column[Any]]:
    """``created_at`` and ``updated_at``."""
    return [moment("created_at"), moment("updated_at")]


def cascading_reference(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``table.column`` refers to ``target.id``; deleting the target deletes the row."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def create_link_table(
    name: str, owner: sa.Column[Any], owner_target: str, linked: sa.Column[Any], linked_target: str
) -> None:
    """Create the table ``name`` that links rows of ``owner_target`` to rows of ``linked_target`` (``follows``,
    ``favorites``): the pair of columns is its primary key, each refers to its table's ``id``, cascading, and
    ``linked`` has an index of its own for lookups from that side."""
    references = sorted([(owner.name, owner_target), (linked.name, linked_target)])
    op.create_table(
        name,
        owner,
        linked,
        *(cascading_reference(name, column, target) for column, target in references),
        sa.PrimaryKeyConstraint(owner.name, linked.name, name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f"ix_{name}_{linked.name}", [linked.name], unique=False)


def drop_link_table(name: str, linked: str) -> None:
    """Drop what ``create_link_table`` created."""
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{name}_{linked}")
    op.drop_table(name)
