"""Column and constraint definitions that several revisions write alike, as autogenerate first wrote them.

A revision is history: change nothing here that a revision already uses; add a new definition instead.
"""

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


def guid(name: str) -> sa.Column[object]:
    """A required UUID column: a primary key, or a reference to one."""
    return sa.Column(name, advanced_alchemy.types.GUID(length=16), nullable=False)


def moment(name: str) -> sa.Column[object]:
    """A required point in time, stored in UTC."""
    return sa.Column(name, advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False)


def numbered_id() -> sa.Column[object]:
    """The ``id`` a table numbers its rows with (a 64-bit integer, but an integer on SQLite, where only that numbers
    rows)."""
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.Identity(always=False, start=1, increment=1),
        nullable=False,
    )


def orm_sentinel() -> sa.Column[object]:
    """The column SQLAlchemy's bulk inserts sort returned rows by (Advanced Alchemy's UUID models have it)."""
    return sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True)


def timestamps() -> list[sa.Column[object]]:
    """``created_at`` and ``updated_at``."""
    return [moment("created_at"), moment("updated_at")]


def cascading_reference(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``table.column`` refers to ``target.id``; deleting the target deletes the row."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )
