"""Storage of songs, clips and rendered videos under the bucket's key layout (a local folder by default)."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bachata_common.settings import Settings

log = logging.getLogger(__name__)


class InvalidKey(ValueError):
    """A key that could escape the storage root (absolute, ``..``, empty parts)."""


class StorageUnavailable(OSError):
    """The bucket could not be reached or refused a transfer (after the client's retries)."""


class Storage(Protocol):
    """What the API and the job need from storage; local folder and bucket both provide it."""

    bucket_name: str | None  # the bucket behind ``gs://`` addresses; None for local files

    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def read_json(self, key: str) -> dict[str, Any] | None: ...
    def put_json(self, key: str, data: dict[str, Any]) -> None: ...
    def put_file(self, source: Path, key: str) -> None: ...
    def size(self, key: str) -> int | None: ...
    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]: ...
    def download(self, key: str, destination: Path) -> Path: ...
    def local_copy(self, key: str) -> AbstractContextManager[Path]: ...
    def signed_url(self, key: str, seconds: int) -> str | None: ...
    def reachable(self) -> bool: ...


def open_storage(settings: Settings) -> Storage:
    """The configured storage: the bucket when STORAGE_BACKEND=gcs, else the local media folder."""
    if settings.storage_backend == "gcs":
        from bachata_common.gcs_storage import GcsStorage  # the Google client is only imported when used

        return GcsStorage(settings.gcs_bucket_name)
    return LocalStorage(settings.media_root)


def output_key(user_id: int, name: str) -> str:
    """Where a user's rendered files live, as the original serves them: ``output/user_<id>/<name>``."""
    return f"output/user_{int(user_id)}/{validate_key(name)}"


THUMBNAILS = "thumbnails/"  # poster frames, as the original's ImageField stores them (thumbnails/%Y/%m/)


def song_meta_key(song_key: str) -> str:
    """Where a song's metadata (title, duration, tempo) is kept, beside the bucket's own prefixes."""
    return f"meta/{validate_key(song_key)}.json"


def validate_key(key: str) -> str:
    """Return the key when it is a plain relative path; raise InvalidKey otherwise."""
    path = PurePosixPath(key)
    if not key or key.startswith("/") or "\\" in key or "\x00" in key or any(p in ("", ".", "..") for p in path.parts):
        raise InvalidKey(f"invalid storage key: {key!r}")
    if key != str(path):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def write_atomically(target: Path, fill: Callable[[Path], object]) -> None:
    """Fill a hidden temporary file beside the target, then rename: readers never see a partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unique per write, not per process: two executions of one task may share a pid (PID 1 in two containers,
    # two threads here) and must not rename each other's half-written file.
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        fill(temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


class LocalStorage:
    """Keys are paths below one root folder; writes appear atomically."""

    bucket_name = None

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        """The file behind a key (which need not exist yet)."""
        return self.root / validate_key(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        """Keys of the files below a prefix, sorted."""
        base = self.path(prefix.rstrip("/"))
        if not base.is_dir():
            return []
        return sorted(
            str(path.relative_to(self.root))
            for path in base.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start``..``end`` (inclusive) of a file, in 1 MiB chunks."""
        with self.path(key).open("rb") as source:
            source.seek(start)
            remaining = end - start + 1
            while remaining > 0 and (chunk := source.read(min(remaining, 1 << 20))):
                remaining -= len(chunk)
                yield chunk

    def download(self, key: str, destination: Path) -> Path:
        write_atomically(destination, lambda temporary: shutil.copyfile(self.path(key), temporary))
        return destination

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """The file itself: nothing to fetch."""
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no object at {key}")
        yield path

    def signed_url(self, key: str, seconds: int) -> str | None:
        """Local files have no signed URLs of their own; the API signs its streaming links instead."""
        return None

    def reachable(self) -> bool:
        """Whether the root is writable."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass
            return True
        except OSError:
            log.warning("health: storage not writable at %s", self.root, exc_info=True)
            return False

    def read_json(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.path(key).read_text())
        except (OSError, ValueError):
            return None

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        self._write(key, lambda temporary: temporary.write_text(json.dumps(data)))

    def put_file(self, source: Path, key: str) -> None:
        """Copy a finished file in under ``key``."""
        self._write(key, lambda temporary: shutil.copyfile(source, temporary))

    def _write(self, key: str, fill: Callable[[Path], object]) -> None:
        write_atomically(self.path(key), fill)
