"""What a saved choreography records about its song, the same whether the job or the dancer saved it."""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from bachata_common.storage import Storage, song_meta_key

log = logging.getLogger(__name__)


def song_title(storage: Storage, key: str | None, audio_input: str) -> str:
    """The song's title: its stored metadata's when there is one, else its file name's."""
    meta = {}
    if key is not None:
        try:
            meta = storage.read_json(song_meta_key(key)) or {}
        except OSError:
            log.warning("could not read the metadata of %s", key, exc_info=True)
    return meta.get("title") or PurePosixPath(audio_input).stem.replace("_", " ").strip() or "Choreography"


def music_info(*, title: str, tempo: float | None, source: str | None) -> dict:
    """The saved row's music_info as the original writes it, so a search by song finds every save."""
    return {"title": title, "tempo": tempo, "bpm": round(tempo) if tempo else None, "source": source}
