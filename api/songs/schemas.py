"""Song bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class SongOut(BaseModel):
    id: str  # the storage key: songs/<file> (library) or uploads/user_<id>/<file> (yours)
    title: str
    source: Literal["library", "upload"]
    duration: float | None = None
    tempo: float | None = None


class SongListOut(BaseModel):
    songs: list[SongOut]
