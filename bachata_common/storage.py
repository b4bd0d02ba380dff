"""Storage of songs, clips and rendered videos under the bucket's key layout (a local folder by default)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any


class InvalidKey(ValueError):
    """A key that could escape the storage root (absolute, ``..``, empty parts)."""


def output_key(user_id: int, name: str) -> str:
    """Where a user's rendered files live, as the original serves them: ``output/user_<id>/<name>``."""
    return f"output/user_{int(user_id)}/{validate_key(name)}"


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


class LocalStorage:
    """Keys are paths below one root folder; writes appear atomically."""

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
        """Fill a hidden temporary file beside the target, then rename: readers never see a partial file."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            fill(temporary)
            temporary.replace(target)
        finally:
            temporary.unlink(missing_ok=True)
