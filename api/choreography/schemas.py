"""Choreography bodies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Difficulty = Literal["beginner", "intermediate", "advanced"]
Energy = Literal["low", "medium", "high"]
Style = Literal["romantic", "energetic", "sensual", "playful"]
Tempo = Literal["slow", "medium", "fast"]


Orientation = Literal["landscape", "portrait"]
ORIENTATION = Field(None, description="portrait (e.g. 720x1280) fills a phone; default: the server's RENDER_SIZE")


class GenerateIn(BaseModel):
    song: str = Field(min_length=1, max_length=500, description="a song id from GET /api/songs")
    difficulty: Difficulty = "intermediate"
    energy_level: Energy | None = None
    style: Style | None = None
    orientation: Orientation | None = ORIENTATION


class GenerateOut(BaseModel):
    task_id: str
    status: str
    poll_url: str


class DanceParameters(BaseModel):
    difficulty: Difficulty = "intermediate"
    energy_level: Energy = "medium"
    style: Style = "romantic"
    tempo: Tempo = "medium"
    specific_moves: list[str] = Field(default_factory=list)


class DescribeIn(BaseModel):
    query: str = Field(min_length=3, max_length=500)
    confirmed: bool = False
    song: str | None = Field(None, max_length=500, description="required with confirmed: true")
    parameters: DanceParameters | None = Field(None, description="the (possibly edited) parameters to confirm")
    orientation: Orientation | None = ORIENTATION


class DescribeOut(BaseModel):
    parameters: DanceParameters
    source: Literal["keywords", "gemini"]
    understood: list[str] = Field(default_factory=list, description="what the render will do with the request")
    not_used: list[str] = Field(default_factory=list, description="words and wishes it cannot act on, and why")
    task: GenerateOut | None = None


class TaskOut(BaseModel):
    """The original's task status shape, plus updated_at (both epoch seconds)."""

    task_id: str
    status: str
    progress: int
    stage: str
    message: str
    result: dict[str, Any] | None
    error: str | None
    created_at: float
    updated_at: float


class TaskPageOut(BaseModel):
    items: list[TaskOut]
    total: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
