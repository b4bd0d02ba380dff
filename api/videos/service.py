"""Find a video (by task id or saved choreography id) and the file behind it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import NotFound
from bachata_common.db import ChoreographyTask, SavedChoreography
from bachata_common.storage import THUMBNAILS, InvalidKey, Storage, output_key, validate_key


@dataclass(frozen=True)
class VideoRef:
    owner_id: int
    video_path: str  # as stored: a new-style key, or one of the original's path forms
    poster_path: str | None = None  # saved_choreographies.thumbnail_path, or the task result's


def find_video(*, session: Session, video_id: str, owner_id: int | None) -> VideoRef:
    """The video of a finished task or a saved choreography; ``owner_id`` restricts it to one user."""
    query = select(ChoreographyTask.user_id, ChoreographyTask.result).where(ChoreographyTask.task_id == video_id)
    if owner_id is not None:
        query = query.where(ChoreographyTask.user_id == owner_id)
    row = session.execute(query).first()
    if row is not None and row.result and row.result.get("video_path"):
        return VideoRef(row.user_id, str(row.result["video_path"]), row.result.get("thumbnail_path"))
    try:
        saved_id = uuid.UUID(video_id)
    except ValueError:
        raise NotFound("Video not found") from None
    query = select(SavedChoreography.user_id, SavedChoreography.video_path, SavedChoreography.thumbnail_path).where(
        SavedChoreography.id == saved_id
    )
    if owner_id is not None:
        query = query.where(SavedChoreography.user_id == owner_id)
    saved = session.execute(query).first()
    if saved is None:
        raise NotFound("Video not found")
    return VideoRef(saved.user_id, saved.video_path, saved.thumbnail_path)


def video_key(storage: Storage, ref: VideoRef, *, suffix: str = ".mp4") -> str:
    """The stored file's key, found as the original finds it: by basename under ``output/user_<owner>/``.

    Only the basename of the stored path is used, so no stored or requested path can leave that folder.
    """
    name = PurePosixPath(ref.video_path.replace("\\", "/")).name
    stem = name[: -len(".mp4")] if name.endswith(".mp4") else ""
    try:
        key = output_key(ref.owner_id, stem + suffix) if stem else None
    except InvalidKey:
        key = None
    if key is None or not storage.exists(key):
        raise NotFound("The video file is not available")
    return key


def stored_poster(storage: Storage, poster_path: str | None, *, verify: bool = True) -> str | None:
    """The key of a poster frame when the row names one under thumbnails/ (and, verifying, it is there)."""
    if not poster_path or not str(poster_path).startswith(THUMBNAILS):
        return None
    try:
        key = validate_key(str(poster_path))
    except InvalidKey:
        return None
    return key if not verify or storage.exists(key) else None


def poster_key(storage: Storage, ref: VideoRef) -> str:
    """The video's poster frame, or 404."""
    key = stored_poster(storage, ref.poster_path)
    if key is None:
        raise NotFound("This video has no poster")
    return key
