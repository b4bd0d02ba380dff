"""Video routes: stream with Range to the owner or a signed URL; mint signed URLs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from api.auth.dependencies import CurrentUser, current_user
from api.clock import RequestClock
from api.database import DbSession
from api.errors import NotFound, Unauthorized
from api.settings import AppSettings
from api.storage import AppStorage
from api.videos import signing
from api.videos.service import VideoRef, find_video, poster_key, stored_poster, video_key
from api.videos.streaming import object_response

router = APIRouter(prefix="/api/videos", tags=["videos"])
_bearer = HTTPBearer(auto_error=False)
# What each route serves: its media type and where its file is found.
KINDS = {
    "video": ("video/mp4", lambda storage, ref: video_key(storage, ref, suffix=".mp4")),
    "subtitles": ("text/vtt", lambda storage, ref: video_key(storage, ref, suffix=".vtt")),
    "metadata": ("application/json", lambda storage, ref: video_key(storage, ref, suffix=".json")),
    "poster": ("image/jpeg", poster_key),
}


class SignedUrlsOut(BaseModel):
    video_url: str
    subtitles_url: str
    poster_url: str | None = None
    expires_at: int


def _authorised_video(
    video_id: str,
    session: DbSession,
    settings: AppSettings,
    clock: RequestClock,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    kind: str,
    expires: int | None,
    signature: str | None,
) -> VideoRef:
    """The video if the caller owns it (bearer token) or presents a valid signature for it."""
    if credentials is not None:
        user = current_user(session=session, settings=settings, clock=clock, credentials=credentials)
        return find_video(session=session, video_id=video_id, owner_id=user.id)
    if expires is None or signature is None:
        raise Unauthorized()
    now = clock().timestamp()
    lifetime = settings.signed_url_seconds
    if not signing.valid(
        f"{kind}:{video_id}", expires, signature, now=now, secret=settings.secret_key, max_seconds=lifetime
    ):
        raise NotFound("Video not found")  # an expired or forged link reveals nothing
    return find_video(session=session, video_id=video_id, owner_id=None)


def _stream(kind: str):
    media_type, locate = KINDS[kind]

    def endpoint(
        video_id: str,
        session: DbSession,
        settings: AppSettings,
        storage: AppStorage,
        clock: RequestClock,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        expires: Annotated[int | None, Query()] = None,
        signature: Annotated[str | None, Query(max_length=128)] = None,
        range_header: Annotated[str | None, Header(alias="Range", include_in_schema=False)] = None,
    ) -> Response:
        ref = _authorised_video(video_id, session, settings, clock, credentials, kind, expires, signature)
        key = locate(storage, ref)
        return object_response(storage, key, media_type=media_type, range_header=range_header)

    return endpoint


for kind, path, summary in [
    ("video", "/{video_id}", "Stream a video (HTTP Range supported)"),
    ("metadata", "/{video_id}/metadata", "The render's analysis: segments, sections, energy curve, beats"),
    ("subtitles", "/{video_id}/subtitles", "The WebVTT track: counts 1-8 and move names"),
    ("poster", "/{video_id}/poster", "A still of the video, for its poster and cards"),
]:
    router.add_api_route(path, _stream(kind), methods=["GET"], response_class=FileResponse, summary=summary)


@router.get("/{video_id}/url", response_model=SignedUrlsOut)
def signed_urls(
    video_id: str,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    storage: AppStorage,
    clock: RequestClock,
) -> SignedUrlsOut:
    """Short-lived URLs for your video, its count track and its poster, usable without an Authorization header."""
    ref = find_video(session=session, video_id=video_id, owner_id=user.id)
    key = video_key(storage, ref)  # 404 now rather than from the player later
    expires = int(clock().timestamp()) + settings.signed_url_seconds
    bucket_url = storage.signed_url(key, settings.signed_url_seconds)
    if bucket_url is not None:  # the bucket serves the bytes itself
        subtitles = storage.signed_url(key[: -len(".mp4")] + ".vtt", settings.signed_url_seconds)
        return SignedUrlsOut(
            video_url=bucket_url,
            subtitles_url=subtitles or "",
            poster_url=signed_poster_url(storage, settings, video_id, ref.poster_path, expires),
            expires_at=expires,
        )
    return SignedUrlsOut(
        video_url=_signed("video", video_id, expires, settings.secret_key),
        subtitles_url=_signed("subtitles", video_id, expires, settings.secret_key),
        poster_url=signed_poster_url(storage, settings, video_id, ref.poster_path, expires),
        expires_at=expires,
    )


_PATHS = {"video": "", "subtitles": "/subtitles", "metadata": "/metadata", "poster": "/poster"}


def _signed(kind: str, video_id: str, expires: int, secret: str) -> str:
    signature = signing.signature(f"{kind}:{video_id}", expires, secret)
    return f"/api/videos/{video_id}{_PATHS[kind]}?expires={expires}&signature={signature}"


def signed_poster_url(
    storage, settings, video_id: str, poster_path: str | None, expires: int, *, verify: bool = True
) -> str | None:
    """A link an <img> can load without a token: the bucket's own when it signs, else ours; None without a poster.

    A list of cards does not verify each file (a bucket round trip per card); a card whose poster has gone
    simply shows none.
    """
    key = stored_poster(storage, poster_path, verify=verify)
    if key is None:
        return None
    return storage.signed_url(key, settings.signed_url_seconds) or _signed(
        "poster", video_id, expires, settings.secret_key
    )
