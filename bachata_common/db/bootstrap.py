"""Bring any database to our schema: create everything on an empty one, else run our Alembic migrations."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

from bachata_common.db import LEGACY_TABLES, Base

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "bb_alembic_version"
# Any constant works; it only has to be the same for every process migrating this database.
_MIGRATION_LOCK_KEY = 0x0BAC4A7A


class PartialSchemaError(RuntimeError):
    """Some of the original's tables exist and some do not: refuse to guess."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configured in code (no alembic.ini), optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def prepare_database(engine: Engine) -> None:
    """Create the schema on an empty database, or apply our migrations to the original's."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several API workers may start at once; only one migrates, the rest wait and find nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        present = LEGACY_TABLES & set(inspect(connection).get_table_names())
        config = alembic_config(connection)
        if not present:
            log.info("empty database: creating the legacy tables and ours")
            Base.metadata.create_all(connection)
            command.stamp(config, "head")
        elif present != LEGACY_TABLES:
            missing = ", ".join(sorted(LEGACY_TABLES - present))
            raise PartialSchemaError(f"database has some of the original's tables but not: {missing}")
        else:
            command.upgrade(config, "head")
