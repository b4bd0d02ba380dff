"""Collections: list, save from a task, edit, delete (the video only when nothing else uses it), stats."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import Text, case, cast, delete, func, or_, select
from sqlalchemy.orm import Session

from api.errors import Conflict, NotFound, Unprocessable
from bachata_common.db import ChoreographyTask, ClassPlanSequence, SavedChoreography, User
from bachata_common.songs import music_info, song_title
from bachata_common.storage import InvalidKey, Storage, output_key, validate_key
from bachata_common.vocabulary import DIFFICULTIES

PAGE_SIZE = 20
_ORDER = {
    "created_at": SavedChoreography.created_at,
    "title": func.lower(SavedChoreography.title),
    # Level order (beginner < intermediate < advanced), not the alphabet; anything else after them.
    "difficulty": case(
        {level: rank for rank, level in enumerate(DIFFICULTIES)}, value=SavedChoreography.difficulty, else_=99
    ),
    "duration": SavedChoreography.duration,
}


def _mine(user: User):
    return SavedChoreography.user_id == user.id


def task_id_of(saved: SavedChoreography) -> str | None:
    """The task a saved row came from (generation_parameters.task_id), when it says."""
    value = (saved.generation_parameters or {}).get("task_id")
    return str(value) if value else None


def list_saved(
    *, session: Session, user: User, difficulty: str | None, search: str | None, sort: str, page: int
) -> tuple[list[SavedChoreography], int]:
    """One page of the user's collection: filtered by difficulty, searched in title and music_info, sorted."""
    conditions = [_mine(user)]
    if difficulty:
        conditions.append(SavedChoreography.difficulty == difficulty)
    if search:
        pattern = f"%{search.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(SavedChoreography.title).like(pattern),
                func.lower(cast(SavedChoreography.music_info, Text)).like(pattern),
            )
        )
    column = _ORDER[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    total = session.scalar(select(func.count()).select_from(SavedChoreography).where(*conditions))
    rows = session.scalars(
        select(SavedChoreography)
        .where(*conditions)
        .order_by(order, SavedChoreography.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def owned(*, session: Session, user: User, saved_id: uuid.UUID) -> SavedChoreography:
    saved = session.scalar(select(SavedChoreography).where(SavedChoreography.id == saved_id, _mine(user)))
    if saved is None:
        raise NotFound("Saved choreography not found")
    return saved


def _song_info(storage: Storage, result: dict) -> dict:
    """music_info for a saved render: the song's title, tempo and source, as an auto-save records them."""
    source = (result.get("parameters") or {}).get("song")
    try:
        key = validate_key(source) if source else None
    except InvalidKey:
        key = None
    title = song_title(storage, key, source) if source else None
    return music_info(title=title, tempo=result.get("tempo"), source=source)


def save_from_task(
    *, session: Session, storage: Storage, user: User, task_id: str, title: str, difficulty: str | None, now: datetime
) -> SavedChoreography:
    """Keep a finished render in the collection; a task is saved at most once (409 otherwise)."""
    task = session.scalar(
        select(ChoreographyTask).where(ChoreographyTask.task_id == task_id, ChoreographyTask.user_id == user.id)
    )
    if task is None:
        raise NotFound("Task not found")
    if task.status != "completed" or not (task.result or {}).get("video_path"):
        raise Conflict("Only a finished choreography can be saved", details={"status": task.status})
    already = session.scalar(
        select(SavedChoreography.id).where(
            _mine(user), SavedChoreography.generation_parameters["task_id"].as_string() == task_id
        )
    )
    if already is not None:
        raise Conflict("This choreography is already in your collection", details={"id": str(already)})
    result = task.result
    parameters = result.get("parameters") or {}
    saved = SavedChoreography(
        user_id=user.id,
        title=title.strip(),
        video_path=result["video_path"],
        thumbnail_path=result.get("thumbnail_path"),
        difficulty=difficulty or parameters.get("difficulty") or "intermediate",
        duration=float(result.get("sequence_duration") or 0.0),
        music_info=_song_info(storage, result),
        generation_parameters={**parameters, "task_id": task_id},
        created_at=now,
    )
    session.add(saved)
    session.flush()
    return saved


def update(*, saved: SavedChoreography, title: str | None, difficulty: str | None) -> SavedChoreography:
    if title is not None:
        if not title.strip():
            raise Unprocessable("The title must not be blank", details=[{"field": "title"}])
        saved.title = title.strip()
    if difficulty is not None:
        saved.difficulty = difficulty
    return saved


def _video_basename(video_path: str) -> str:
    return PurePosixPath(video_path.replace("\\", "/")).name


def remove(*, session: Session, storage: Storage, rows: list[SavedChoreography]) -> int:
    """Delete rows (and class plan sequences using them, as the original's cascade did); a video file goes
    only when no remaining row of the same user points at it."""
    if not rows:
        return 0
    ids = [row.id for row in rows]
    session.execute(delete(ClassPlanSequence).where(ClassPlanSequence.choreography_id.in_(ids)))
    session.execute(delete(SavedChoreography).where(SavedChoreography.id.in_(ids)))
    for row in rows:
        name = _video_basename(row.video_path)
        still_used = session.scalar(
            select(func.count())
            .select_from(SavedChoreography)
            .where(
                SavedChoreography.user_id == row.user_id,
                or_(SavedChoreography.video_path == row.video_path, SavedChoreography.video_path.like(f"%/{name}")),
            )
        )
        if not still_used and name.endswith(".mp4"):
            for suffix in (".mp4", ".vtt", ".json"):
                storage.delete(output_key(row.user_id, name[: -len(".mp4")] + suffix))
    return len(rows)


def delete_all(*, session: Session, storage: Storage, user: User, confirm_count: int) -> int:
    rows = list(session.scalars(select(SavedChoreography).where(_mine(user))))
    if confirm_count != len(rows):
        raise Conflict(
            f"Confirmation does not match: you have {len(rows)} saved choreographies",
            details={"current_count": len(rows)},
        )
    return remove(session=session, storage=storage, rows=rows)


def stats(*, session: Session, user: User) -> dict:
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(SavedChoreography.duration), 0.0),
            *(
                func.count().filter(SavedChoreography.difficulty == level)
                for level in ("beginner", "intermediate", "advanced")
            ),
        ).where(_mine(user))
    ).one()
    total, duration, beginner, intermediate, advanced = row
    return {
        "total_count": total,
        "total_duration": round(float(duration), 2),
        "avg_duration": round(float(duration) / total, 2) if total else 0.0,
        "beginner_count": beginner,
        "intermediate_count": intermediate,
        "advanced_count": advanced,
    }
