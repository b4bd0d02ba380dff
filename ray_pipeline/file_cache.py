"""Results computed from a file, cached as JSON keyed by the file's path, size and modification time."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bachata_common.storage import write_atomically


class PerFileCache:
    """A changed file (or a new ``tag``, e.g. an analysis version) is computed again; writes are atomic."""

    def __init__(self, directory: Path, *, tag: str):
        self.directory, self.tag = directory, tag

    def _entry(self, source: Path) -> Path:
        stat = source.stat()
        identity = f"{self.tag}|{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        return self.directory / f"{hashlib.sha256(identity.encode()).hexdigest()}.json"

    def get(self, source: Path) -> dict[str, Any] | None:
        try:
            return json.loads(self._entry(source).read_text())
        except (OSError, ValueError):
            return None

    def put(self, source: Path, value: dict[str, Any]) -> None:
        write_atomically(self._entry(source), lambda temporary: temporary.write_text(json.dumps(value)))
