"""Engine and session factory for either embedded SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


def create_db_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite behaves like PostgreSQL on foreign keys and concurrency."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _tune_sqlite(dbapi_connection, _record) -> None:
    # SQLAlchemy, not pysqlite, starts transactions, so SAVEPOINTs and rollbacks behave (documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The original has no ON DELETE actions; enforcing FKs keeps SQLite honest about delete order.
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _begin_sqlite(connection) -> None:
    # IMMEDIATE takes the write lock up front: the API and a render job never deadlock upgrading a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def connection_slots(engine: Engine) -> int:
    """How many sessions may hold a connection at once without waiting on the pool (SQLite: no pool limit)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        return pool.size() + max(0, pool._max_overflow) - 1  # one left for the reaper's own sessions
    return 64


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (responses are built after the commit)."""
    return sessionmaker(engine, expire_on_commit=False)
