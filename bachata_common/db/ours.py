"""Tables this codebase adds beside the original's; all named with the ``bb_`` prefix."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bachata_common.db.base import Base, UTCDateTime, new_uuid

OUR_TABLE_PREFIX = "bb_"


class RefreshToken(Base):
    """One issued refresh token, stored as a hash; tokens rotated from one login share a family."""

    __tablename__ = "bb_refresh_tokens"
    __table_args__ = (
        Index("bb_refresh_tokens_family_id_idx", "family_id"),
        Index("bb_refresh_tokens_user_id_idx", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # ON DELETE CASCADE: the original app deletes users without knowing this table exists.
    user_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("users.id", ondelete="CASCADE")
    )
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    token_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Recent failed logins per account and per client address, and until when they are locked out."""

    __tablename__ = "bb_login_throttle"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)  # "account:<identifier>" or "client:<ip>"
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
