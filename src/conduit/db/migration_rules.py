"""How Alembic compares and writes Conduit's column types; used by the migration environment and the tests."""

from typing import Any, Literal

from advanced_alchemy.types import GUID
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column
from sqlalchemy.types import TypeEngine

from conduit.db.search import is_search_table


def compare_type(
    migration: MigrationContext,
    _inspected_column: Column[Any],
    _metadata_column: Column[Any],
    _inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """Alembic's type comparison, except that SQLite reflects GUID's BINARY(16) as NUMERIC: no change there."""
    if isinstance(metadata_type, GUID) and migration.dialect.name == "sqlite":
        return False
    return None


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write Advanced Alchemy's column types as ``advanced_alchemy.types.X(...)``, imported in the revision."""
    if kind == "type" and type(item).__module__.startswith("advanced_alchemy."):
        autogen_context.imports.add("import advanced_alchemy.types")
        return f"advanced_alchemy.types.{item!r}"
    return False


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Leave the search index's tables out of Alembic's comparison: the models do not declare them (``db.search``)."""
    return not (type_ == "table" and name is not None and is_search_table(name))
