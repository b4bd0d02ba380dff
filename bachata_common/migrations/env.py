"""Alembic environment: only our additions, tracked in our own version table."""

from alembic import context

from bachata_common.db import Base
from bachata_common.db.bootstrap import VERSION_TABLE
from bachata_common.db.ours import OUR_TABLE_PREFIX
from bachata_common.settings import get_settings


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Autogenerate sees only our own tables; the original's are changed by hand-written steps only."""
    if type_ == "table":
        return bool(name) and name.startswith(OUR_TABLE_PREFIX)
    return True


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from bachata_common.db.engine import create_db_engine

        with create_db_engine(get_settings().sqlalchemy_url).begin() as own_connection:
            _configure_and_run(own_connection)
    else:
        _configure_and_run(connection)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
