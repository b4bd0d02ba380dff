"""Song routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api.auth.dependencies import CurrentUser
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
    user: CurrentUser, storage: AppStorage, settings: AppSettings, file: Annotated[UploadFile, File()]
) -> SongOut:
    """Upload a song (mp3/wav/ogg/m4a/flac, at most 25 MB, 30 s to 10 min); it is decoded before it is kept."""
    song = await run_in_threadpool(
        service.store_upload, storage=storage, user_id=user.id, upload=file, limit=settings.upload_max_bytes
    )
    return SongOut(**song)
