"""Declarative base and the column types shared by the legacy mapping and our own tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# jsonb on PostgreSQL (the original's type), plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")

# Columns we add to the original's tables carry this marker, so tools can tell them apart.
OURS = {"ours": True}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


def new_uuid() -> uuid.UUID:
    """A random UUID, as Django's UUIDField(default=uuid4) makes them."""
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """timestamptz that always hands back aware UTC datetimes, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of every mapped table, legacy and ours."""

    metadata = MetaData()
