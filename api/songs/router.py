"""Song routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api.auth.dependencies import BrieflyCheckedUser, CurrentUser
from api.choreography.service import renders_in_progress
from api.clock import RequestClock
from api.database import DbSession
from api.errors import Conflict
from api.settings import AppSettings
from api.songs import service
from api.songs.schemas import SongListOut, SongOut
from api.storage import AppStorage

router = APIRouter(prefix="/api/songs", tags=["songs"])


@router.get("", response_model=SongListOut)
def list_songs(user: CurrentUser, storage: AppStorage) -> SongListOut:
    """The song library and your own uploads, with duration and tempo once known."""
    return SongListOut(songs=[SongOut(**song) for song in service.list_songs(storage=storage, user_id=user.id)])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SongOut)
async def upload_song(
    user: BrieflyCheckedUser, storage: AppStorage, settings: AppSettings, file: Annotated[UploadFile, File()]
) -> SongOut:
    """Upload a song (mp3/wav/ogg/m4a/flac, at most 25 MB, 30 s to 10 min); it is decoded before it is kept.

    Your uploads together may take up to the storage quota (200 MB by default): 413 beyond it.
    """
    song = await run_in_threadpool(
        service.store_upload,
        storage=storage,
        user_id=user.id,
        upload=file,
        limit=settings.upload_max_bytes,
        quota=settings.upload_quota_bytes,
    )
    return SongOut(**song)


@router.delete("/{song_id:path}", status_code=status.HTTP_204_NO_CONTENT)
def delete_song(
    song_id: str, user: CurrentUser, session: DbSession, storage: AppStorage, settings: AppSettings, clock: RequestClock
) -> None:
    """Delete one of your uploads; refused (409) while one of your choreographies is rendering.

    The task rows do not name their song, so any render of yours in progress holds all your songs.
    """
    rendering = renders_in_progress(session=session, user=user, settings=settings, now=clock())
    if rendering:
        raise Conflict(
            "A choreography of yours is rendering; delete the song once it has finished",
            details={"rendering": rendering},
        )
    service.delete_upload(storage=storage, user_id=user.id, song_id=song_id)
