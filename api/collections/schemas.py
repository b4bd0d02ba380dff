"""Collection bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.choreography.schemas import Difficulty

SORTS = ("created_at", "-created_at", "title", "-title", "difficulty", "-difficulty", "duration", "-duration")
Sort = Literal["created_at", "-created_at", "title", "-title", "difficulty", "-difficulty", "duration", "-duration"]


class SavedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    difficulty: str
    duration: float
    video_path: str
    thumbnail_path: str | None
    music_info: dict[str, Any] | None
    generation_parameters: dict[str, Any] | None
    created_at: datetime
    task_id: str | None = None
    video_url: str
    poster_url: str | None = None  # a signed link to its still, in lists


class SavedPageOut(BaseModel):
    items: list[SavedOut]
    total: int
    page: int
    page_size: int
    next: str | None
    previous: str | None


class SaveIn(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    title: str = Field(min_length=1, max_length=200)
    difficulty: Difficulty | None = None


class SavedPatch(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    difficulty: Difficulty | None = None


class DeleteAllIn(BaseModel):
    confirm_count: int = Field(ge=0, description="the number of saved choreographies you currently have")


class StatsOut(BaseModel):
    total_count: int
    total_duration: float
    avg_duration: float
    beginner_count: int
    intermediate_count: int
    advanced_count: int
