"""Serve a stored object: local files through FileResponse, bucket objects streamed with HTTP Range."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from fastapi import Response
from fastapi.responses import FileResponse, StreamingResponse

from api.errors import NotFound, RangeNotSatisfiable
from bachata_common.storage import LocalStorage, Storage

_SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) one ``Range`` header asks for; None means the whole object.

    Headers we do not understand (several ranges, other units) are ignored, as HTTP allows.
    """
    match = _SINGLE_RANGE.fullmatch((header or "").strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(
            "The requested range is outside the file", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end


def object_response(storage: Storage, key: str, *, media_type: str, range_header: str | None) -> Response:
    """The object inline, honouring a single byte range."""
    name = PurePosixPath(key).name
    if isinstance(storage, LocalStorage):
        return FileResponse(storage.path(key), media_type=media_type, filename=name, content_disposition_type="inline")
    size = storage.size(key)
    if size is None:
        raise NotFound("The video file is not available")
    wanted = byte_range(range_header, size)
    start, end = wanted or (0, size - 1)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Content-Disposition": f'inline; filename="{name}"',
    }
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        storage.read_range(key, start, end), status_code=206 if wanted else 200, media_type=media_type, headers=headers
    )
