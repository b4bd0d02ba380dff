"""Class plan bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from api.choreography.schemas import Difficulty


class PlanIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    difficulty_level: Difficulty = "beginner"
    estimated_duration: int | None = Field(None, ge=1, le=600, description="minutes")
    instructor_notes: str = Field("", max_length=5000)


class PlanPatch(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    difficulty_level: Difficulty | None = None
    estimated_duration: int | None = Field(None, ge=1, le=600)
    instructor_notes: str | None = Field(None, max_length=5000)

    @field_validator("title", "description", "difficulty_level", "instructor_notes")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        # Only an explicit null reaches this (a missing field keeps its default): these columns are NOT NULL.
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


class SequenceIn(BaseModel):
    choreography_id: uuid.UUID
    notes: str = Field("", max_length=2000)
    estimated_time: int | None = Field(None, ge=1, le=600, description="minutes")


class ReorderIn(BaseModel):
    sequence_ids: list[uuid.UUID] = Field(max_length=500)


class DuplicateIn(BaseModel):
    include_sequences: bool = True


class SequenceOut(BaseModel):
    id: uuid.UUID
    sequence_order: int
    notes: str
    estimated_time: int | None
    choreography_id: uuid.UUID
    choreography_title: str
    choreography_difficulty: str
    choreography_duration: float


class PlanOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    difficulty_level: str
    estimated_duration: int | None
    instructor_notes: str
    created_at: datetime
    updated_at: datetime
    sequences: list[SequenceOut]


class SummaryOut(BaseModel):
    sequence_count: int
    total_time_minutes: int
    choreography_seconds: float
    difficulties: list[str]
    progression: Literal["balanced", "progressive", "regressive"]


class DashboardOut(BaseModel):
    plan_count: int
    sequence_count: int
    plans_by_difficulty: dict[str, int]
    saved_choreographies: int
    recent_plans: list[PlanOut]
