"""`python -m ray_pipeline.demo`: content that lets `make run` work anywhere, a generated library and song.

When the generated library is the one in use, it is also prepared for both video formats, so the first
render is as quick as every other.
"""

from __future__ import annotations

import logging
import os

from bachata_common.settings import PROJECT_ROOT, Settings, get_settings
from bachata_common.storage import LocalStorage
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library_cli import FORMATS, prepare
from ray_pipeline.synthetic import make_library, make_song

log = logging.getLogger(__name__)


def ensure_demo_content(settings: Settings) -> None:
    """In development only: generate a small move library and one song if the folders are empty."""
    if settings.environment != "development":
        return
    if not (settings.library_dir / "move_embeddings.json").exists():
        log.info("no move library at %s: generating a demo library", settings.library_dir)
        make_library(settings.library_dir)
    if settings.storage_backend != "local":
        return  # a bucket is never filled with generated content
    storage = LocalStorage(settings.media_root)
    if not storage.list("songs/"):
        log.info("no songs yet: generating a demo song")
        make_song(storage.path("songs/Demo_groove_128_BPM.wav"), bpm=128, duration=75)


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
