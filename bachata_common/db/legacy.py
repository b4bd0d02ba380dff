"""Hand-written mapping of the original Django app's tables: exactly its columns, types and constraint names.

Never autogenerate migrations over these; only additive, nullable columns marked ``info=OURS`` may be added.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bachata_common.db.base import OURS, Base, JSONDocument, UTCDateTime, new_uuid, utcnow

# bigint identity on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

TASK_STATUSES = ("started", "running", "completed", "failed")
TASK_STAGES = (
    "initializing",
    "downloading",
    "analyzing",
    "selecting",
    "generating",
    "explaining",
    "finalizing",
    "completed",
    "failed",
)
CANCELLED_MESSAGE = "Cancelled"  # a failed row with this message was stopped on purpose: never resume it


def _django_fk(target: str, name: str) -> ForeignKey:
    """A foreign key as Django creates them: named, deferrable, no ON DELETE action."""
    return ForeignKey(target, name=name, deferrable=True, initially="DEFERRED")


class User(Base):
    """The original's custom user model (there is no auth_user)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username", name="users_username_key"),)

    id: Mapped[int] = mapped_column(BigId, Identity(), primary_key=True)
    password: Mapped[str] = mapped_column(String(128))
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    username: Mapped[str] = mapped_column(String(150))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_joined: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_instructor: Mapped[bool] = mapped_column(Boolean, default=False)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class ChoreographyTask(Base):
    """One render request and its progress, written by the API and the render job."""

    __tablename__ = "choreography_tasks"
    __table_args__ = (
        Index("choreograph_created_1c4810_idx", "created_at"),
        Index("choreograph_user_id_1f71cb_idx", "user_id", "status"),
        Index("choreography_tasks_created_at_03a9a04c", "created_at"),
        Index("choreography_tasks_status_7ff03242", "status"),
        Index("choreography_tasks_user_id_a5f819be", "user_id"),
    )

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    status: Mapped[str] = mapped_column(String(20), default="started")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(50), default="initializing")
    message: Mapped[str] = mapped_column(Text, default="Starting choreography generation...")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    user_id: Mapped[int] = mapped_column(
        BigId, _django_fk("users.id", "choreography_tasks_user_id_a5f819be_fk_users_id")
    )
    job_execution_name: Mapped[str | None] = mapped_column(String(500), info=OURS)


class SavedChoreography(Base):
    """A choreography a user keeps in their collection."""

    __tablename__ = "saved_choreographies"
    __table_args__ = (
        Index("saved_choreographies_created_at_8005ee6e", "created_at"),
        Index("saved_choreographies_difficulty_4af94b6e", "difficulty"),
        Index("saved_choreographies_user_id_f5f64ad0", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(200))
    video_path: Mapped[str] = mapped_column(String(500))
    thumbnail_path: Mapped[str | None] = mapped_column(String(500))
    difficulty: Mapped[str] = mapped_column(String(20))
    duration: Mapped[float] = mapped_column(Double)
    music_info: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    generation_parameters: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int] = mapped_column(
        BigId, _django_fk("users.id", "saved_choreographies_user_id_f5f64ad0_fk_users_id")
    )


class ClassPlan(Base):
    """An instructor's lesson built from saved choreographies."""

    __tablename__ = "class_plans"
    __table_args__ = (
        Index("class_plans_created_at_de61fb76", "created_at"),
        Index("class_plans_difficulty_level_81a812d4", "difficulty_level"),
        Index("class_plans_instructor_id_14372f3d", "instructor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    difficulty_level: Mapped[str] = mapped_column(String(20))
    estimated_duration: Mapped[int | None] = mapped_column(Integer)
    instructor_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    instructor_id: Mapped[int] = mapped_column(
        BigId, _django_fk("users.id", "class_plans_instructor_id_14372f3d_fk_users_id")
    )


class ClassPlanSequence(Base):
    """One saved choreography placed at a position in a class plan."""

    __tablename__ = "class_plan_sequences"
    __table_args__ = (
        # Not deferrable in the original: reordering must avoid collisions mid-way.
        UniqueConstraint(
            "class_plan_id",
            "sequence_order",
            name="class_plan_sequences_class_plan_id_sequence_order_e465f83d_uniq",
        ),
        Index("class_plan_sequences_choreography_id_eb2c32d7", "choreography_id"),
        Index("class_plan_sequences_class_plan_id_e680b89c", "class_plan_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    sequence_order: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    estimated_time: Mapped[int | None] = mapped_column(Integer)
    choreography_id: Mapped[uuid.UUID] = mapped_column(
        Uuid,
        _django_fk("saved_choreographies.id", "class_plan_sequences_choreography_id_eb2c32d7_fk_saved_cho"),
    )
    class_plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, _django_fk("class_plans.id", "class_plan_sequences_class_plan_id_e680b89c_fk_class_plans_id")
    )


LEGACY_TABLES = frozenset(
    model.__tablename__ for model in (User, ChoreographyTask, SavedChoreography, ClassPlan, ClassPlanSequence)
)
