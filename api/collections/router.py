"""Collection routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from api.auth.dependencies import CurrentUser
from api.choreography.schemas import Difficulty
from api.clock import RequestClock
from api.collections import service
from api.collections.schemas import DeleteAllIn, SavedOut, SavedPageOut, SavedPatch, SaveIn, Sort, StatsOut
from api.database import DbSession
from api.settings import AppSettings
from api.storage import AppStorage
from api.videos.router import signed_poster_url
from bachata_common.db import SavedChoreography

router = APIRouter(prefix="/api/collections", tags=["collections"])


def saved_out(saved: SavedChoreography) -> SavedOut:
    return SavedOut.model_validate(
        {
            **{c: getattr(saved, c) for c in SavedOut.model_fields if hasattr(saved, c)},
            "task_id": service.task_id_of(saved),
            "video_url": f"/api/videos/{saved.id}",
        }
    )


def _owned(saved_id: uuid.UUID, user: CurrentUser, session: DbSession) -> SavedChoreography:
    return service.owned(session=session, user=user, saved_id=saved_id)


Owned = Annotated[SavedChoreography, Depends(_owned)]


@router.get("", response_model=SavedPageOut)
def list_collection(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    storage: AppStorage,
    clock: RequestClock,
    difficulty: Difficulty | None = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
    sort: Sort = "-created_at",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> SavedPageOut:
    """Your saved choreographies, 20 a page."""
    rows, total = service.list_saved(
        session=session, user=user, difficulty=difficulty, search=search, sort=sort, page=page
    )
    query = "&".join(f"{k}={v}" for k, v in (("difficulty", difficulty), ("search", search), ("sort", sort)) if v)

    def link(number: int) -> str:
        return f"/api/collections?{query}&page={number}"

    expires = int(clock().timestamp()) + settings.signed_url_seconds

    def card(row: SavedChoreography) -> SavedOut:
        poster = signed_poster_url(storage, settings, str(row.id), row.thumbnail_path, expires, verify=False)
        return saved_out(row).model_copy(update={"poster_url": poster})

    return SavedPageOut(
        items=[card(row) for row in rows],
        total=total,
        page=page,
        page_size=service.PAGE_SIZE,
        next=link(page + 1) if page * service.PAGE_SIZE < total else None,
        previous=link(page - 1) if page > 1 else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SavedOut)
def save(data: SaveIn, user: CurrentUser, session: DbSession, storage: AppStorage, clock: RequestClock) -> SavedOut:
    """Save a finished render to your collection (409 if it is already there)."""
    return saved_out(
        service.save_from_task(
            session=session,
            storage=storage,
            user=user,
            task_id=data.task_id,
            title=data.title,
            difficulty=data.difficulty,
            now=clock(),
        )
    )


@router.get("/stats", response_model=StatsOut)
def collection_stats(user: CurrentUser, session: DbSession) -> StatsOut:
    """Counts and durations of your collection."""
    return StatsOut(**service.stats(session=session, user=user))


@router.post("/delete-all")
def delete_all(data: DeleteAllIn, user: CurrentUser, session: DbSession, storage: AppStorage) -> dict[str, int]:
    """Delete your whole collection; confirm_count must equal how many you have."""
    return {
        "deleted": service.delete_all(session=session, storage=storage, user=user, confirm_count=data.confirm_count)
    }


@router.get("/{saved_id}", response_model=SavedOut)
def get_saved(saved: Owned) -> SavedOut:
    return saved_out(saved)


@router.patch("/{saved_id}", response_model=SavedOut)
def patch_saved(saved: Owned, changes: SavedPatch) -> SavedOut:
    """Rename it or change its difficulty."""
    return saved_out(service.update(saved=saved, title=changes.title, difficulty=changes.difficulty))


@router.delete("/{saved_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_saved(saved: Owned, session: DbSession, storage: AppStorage) -> Response:
    """Delete it; its video goes too unless another saved choreography uses it."""
    service.remove(session=session, storage=storage, rows=[saved])
    return Response(status_code=status.HTTP_204_NO_CONTENT)
