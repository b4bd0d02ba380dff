"""Songs: list the library and the user's uploads; accept an upload only after decoding it."""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import unicodedata
import uuid
from pathlib import Path, PurePosixPath

from fastapi import UploadFile

from api.errors import Forbidden, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMedia
from bachata_common.media import ProbeFailed, decoded_seconds, probe
from bachata_common.storage import InvalidKey, Storage, song_meta_key, validate_key

LIBRARY_PREFIX = "songs/"
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".m4a", ".flac")
# ffprobe format names we accept, and the suffix we store each under.
FORMATS = {"mp3": ".mp3", "wav": ".wav", "ogg": ".ogg", "flac": ".flac", "mov,mp4,m4a,3gp,3g2,mj2": ".m4a"}
MIN_SECONDS, MAX_SECONDS = 30.0, 600.0
CHUNK = 1024 * 1024


def uploads_prefix(user_id: int) -> str:
    return f"uploads/user_{int(user_id)}/"


def _title(key: str) -> str:
    return PurePosixPath(key).stem.replace("_", " ").replace("-", " ").strip() or key


def _song(storage: Storage, key: str, source: str) -> dict:
    meta = storage.read_json(song_meta_key(key)) or {}
    if "duration" not in meta:
        try:
            with storage.local_copy(key) as path:
                meta = {**meta, "duration": round(probe(path).duration, 2)}
            storage.put_json(song_meta_key(key), meta)
        except Exception:  # an unreadable file still lists; it fails clearly when used
            meta = {**meta, "duration": None}
    return {
        "id": key,
        "title": meta.get("title") or _title(key),
        "source": source,
        "duration": meta.get("duration"),
        "tempo": meta.get("tempo"),
    }


def list_songs(*, storage: Storage, user_id: int) -> list[dict]:
    """The shared library, then the user's own uploads."""
    songs = []
    for prefix, source in ((LIBRARY_PREFIX, "library"), (uploads_prefix(user_id), "upload")):
        songs += [_song(storage, key, source) for key in storage.list(prefix) if key.lower().endswith(AUDIO_SUFFIXES)]
    return songs


def resolve_song(*, storage: Storage, user_id: int, song_id: str) -> str:
    """The storage key of a song this user may use; another user's upload is as unknown as a missing one."""
    try:
        key = validate_key(song_id)
    except InvalidKey as exc:
        raise NotFound("Song not found") from exc
    allowed = key.startswith(LIBRARY_PREFIX) or key.startswith(uploads_prefix(user_id))
    if not allowed or not key.lower().endswith(AUDIO_SUFFIXES) or not storage.exists(key):
        raise NotFound("Song not found")
    return key


def _spool(upload: UploadFile, destination: Path, limit: int) -> None:
    """Copy the upload to disk in chunks, refusing as soon as it passes the limit."""
    written = 0
    with destination.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise PayloadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB")
            out.write(chunk)
    if written == 0:
        raise Unprocessable("The file is empty", details=[{"field": "file"}])


def _check_audio(path: Path) -> tuple[str, float]:
    """(suffix, duration) of a decodable song; 415 for what is not audio we take, 422 for damaged or wrong-length."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    data = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    format_name = data.get("format", {}).get("format_name", "")
    streams = data.get("streams", [])
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    has_video = any(
        s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic") for s in streams
    )
    if format_name not in FORMATS or not has_audio or has_video:
        raise UnsupportedMedia("This file is not a song we can use: upload mp3, wav, ogg, m4a or flac audio")
    # The length is what decodes, not what the header declares (a tiny file can claim 60 s and hold hours):
    # decoding stops just past the limit, so such a file costs no more than a 10-minute song.
    try:
        duration = decoded_seconds(path, limit=MAX_SECONDS + 1)
    except ProbeFailed as exc:
        raise Unprocessable("The audio file is damaged and cannot be decoded", details=[{"field": "file"}]) from exc
    if not MIN_SECONDS <= duration <= MAX_SECONDS:
        shown = f"over {MAX_SECONDS / 60:.0f} minutes" if duration > MAX_SECONDS else f"{duration:.0f} s"
        raise Unprocessable(
            f"The song must be between 30 seconds and 10 minutes long (this one is {shown})",
            details=[{"field": "file", "duration": round(duration, 2)}],
        )
    return FORMATS[format_name], duration


class QuotaExceeded(PayloadTooLarge):
    code = "storage_quota_exceeded"


# Checking a dancer's quota and storing their upload happen under one lock, so parallel uploads cannot all
# pass the check. Striped: a bounded set of locks, whatever the number of users.
_QUOTA_LOCKS = [threading.Lock() for _ in range(64)]


def used_bytes(storage: Storage, user_id: int) -> int:
    """What this dancer's uploads take up now."""
    return sum(storage.size(key) or 0 for key in storage.list(uploads_prefix(user_id)))


def _check_quota(storage: Storage, user_id: int, adding: int, quota: int) -> None:
    used = used_bytes(storage, user_id)
    if used + adding > quota:
        mb = 1024 * 1024
        raise QuotaExceeded(
            f"Your uploaded songs would take {(used + adding) / mb:.0f} MB, over your {quota / mb:.0f} MB; "
            "delete a song you no longer need and upload again",
            details={"used_bytes": used, "file_bytes": adding, "quota_bytes": quota},
        )


def clean_title(file_name: str) -> str:
    """A title from an upload's file name: its stem without control or direction-changing characters."""
    stem = PurePosixPath(file_name.replace("\\", "/")).stem
    # Cc and Cf: NUL and friends, and the invisible bidi overrides (U+202E) that make a name read backwards.
    visible = "".join(c for c in stem if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(visible.split())[:120] or "Uploaded song"


def store_upload(*, storage: Storage, user_id: int, upload: UploadFile, limit: int, quota: int) -> dict:
    """Validate an uploaded song and keep it under the user's private prefix; nothing stays behind on refusal."""
    with tempfile.TemporaryDirectory(prefix="upload-") as staging:
        temporary = Path(staging) / "song"
        _spool(upload, temporary, limit)
        size = temporary.stat().st_size
        _check_quota(storage, user_id, size, quota)  # before the decode: a full account costs no ffmpeg
        suffix, duration = _check_audio(temporary)
        key = f"{uploads_prefix(user_id)}{uuid.uuid4().hex}{suffix}"
        with _QUOTA_LOCKS[user_id % len(_QUOTA_LOCKS)]:
            _check_quota(storage, user_id, size, quota)
            storage.put_file(temporary, key)
    title = clean_title(upload.filename or "")
    storage.put_json(song_meta_key(key), {"title": title, "duration": round(duration, 2)})
    return {"id": key, "title": title, "source": "upload", "duration": round(duration, 2), "tempo": None}


def delete_upload(*, storage: Storage, user_id: int, song_id: str) -> None:
    """Remove one of the user's own uploads (library songs are not theirs to delete)."""
    key = resolve_song(storage=storage, user_id=user_id, song_id=song_id)
    if not key.startswith(uploads_prefix(user_id)):
        raise Forbidden("Songs from the library cannot be deleted")
    storage.delete(key)
    storage.delete(song_meta_key(key))
