"""Compare our models with a live database schema (Alembic's autogenerate comparison)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from bachata_common.db import Base


def _ours_to_compare(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table":
        return name in Base.metadata.tables  # Django's own tables and version tables are not ours to map
    # The original's extra indexes (varchar_pattern_ops "_like" ones) are fine to have.
    return not (type_ == "index" and reflected and compare_to is None)


def schema_diff(connection: Connection) -> list:
    """Differences between Base.metadata and the database: empty means the mapping is exact."""
    context = MigrationContext.configure(connection, opts={"include_object": _ours_to_compare, "compare_type": True})
    return compare_metadata(context, Base.metadata)
