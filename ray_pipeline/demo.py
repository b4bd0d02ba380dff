"""`python -m ray_pipeline.demo`: content that lets `make run` work anywhere, a generated library and song."""

from __future__ import annotations

import logging

from bachata_common.settings import Settings, get_settings
from bachata_common.storage import LocalStorage
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
    ensure_demo_content(get_settings())


if __name__ == "__main__":
    main()
