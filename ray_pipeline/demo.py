"""`python -m ray_pipeline.demo`: content that lets `make run` work anywhere, a generated library and song.

When the generated library is the one in use, it is also prepared for both video formats, so the first
render is as quick as every other.
"""

from __future__ import annotations

import logging
import os

from bachata_common.settings import PROJECT_ROOT, Settings, get_settings
from bachata_common.storage import LocalStorage, song_meta_key
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library_cli import FORMATS, prepare
from ray_pipeline.synthetic import make_library, make_song

log = logging.getLogger(__name__)


DEMO_TEMPOS = (118, 128, 138)  # a slow, a middle and a quick bachata
DEMO_SECONDS = 75


def demo_song_key(bpm: int) -> str:
    return f"songs/Demo_bachata_{bpm}_BPM.wav"


def ensure_demo_content(settings: Settings) -> None:
    """In development only: generate a small move library and three songs if the folders are empty."""
    if settings.environment != "development":
        return
    if not (settings.library_dir / "move_embeddings.json").exists():
        log.info("no move library at %s: generating a demo library", settings.library_dir)
        make_library(settings.library_dir)
    if settings.storage_backend != "local":
        return  # a bucket is never filled with generated content
    storage = LocalStorage(settings.media_root)
    if not storage.list("songs/"):
        log.info("no songs yet: generating demo bachata songs at %s BPM", ", ".join(map(str, DEMO_TEMPOS)))
        for bpm in DEMO_TEMPOS:
            key = demo_song_key(bpm)
            make_song(storage.path(key), bpm=bpm, duration=DEMO_SECONDS, seed=bpm, band=True)
            # Known from the making, so the song list shows tempo and length before any render.
            meta = {"title": f"Demo bachata {bpm} BPM", "duration": DEMO_SECONDS, "tempo": float(bpm)}
            storage.put_json(song_meta_key(key), meta)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    ensure_demo_content(settings)
    if settings.environment == "development" and settings.library_dir.is_relative_to(PROJECT_ROOT / "var"):
        formats = [OutputFormat.parse(size) for size in FORMATS]
        for report in prepare(settings.library_dir, formats, cpus=os.cpu_count() or 1):
            log.info("demo library prepared for %s (%s clips)", report["format"], report["clips"])


if __name__ == "__main__":
    main()
