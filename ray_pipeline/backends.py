"""The render's production backends, chosen by settings: move index, clip files from the bucket, pose verifier."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from bachata_common.settings import Settings
from bachata_common.storage import LocalStorage, Storage
from ray_pipeline.errors import TransientFault
from ray_pipeline.library import MoveClip, MoveIndex, SearchIndex

log = logging.getLogger(__name__)

CLIP_PREFIXES = ("training_videos/", "Bachata_steps/")  # the bucket's current prefix, then the older documents'


def open_elasticsearch(settings: Settings, *, clips_root: Path | None = None, attempts: int = 4):
    """The Elasticsearch index named by the settings."""
    from bachata_common.search import connect
    from ray_pipeline.es_index import ElasticsearchIndex

    client = connect(settings.elasticsearch_url, api_key=settings.elasticsearch_api_key)
    return ElasticsearchIndex(
        client, clips_root=clips_root or settings.library_dir, index=settings.elasticsearch_index, attempts=attempts
    )


def open_move_index(settings: Settings, clips: list[MoveClip], clips_root: Path) -> SearchIndex:
    """Elasticsearch when MOVE_INDEX=elasticsearch, else the in-process index over the loaded clips."""
    if settings.move_index == "elasticsearch":
        return open_elasticsearch(settings, clips_root=clips_root)
    return MoveIndex(clips)


def clip_key(clip: MoveClip, library_dir: Path) -> str:
    """The clip's path below the library's ``Bachata_steps/`` folder, as used in bucket keys."""
    return clip.path.relative_to(library_dir / "Bachata_steps").as_posix()


def localise_clips(clips: list[MoveClip], storage: Storage, library_dir: Path, cache_dir: Path) -> Path:
    """Make the clips' videos local files; returns the folder their paths now start from.

    With local storage the library folder already has them. From a bucket, missing videos are downloaded
    once into the cache (``training_videos/`` first, then ``Bachata_steps/``); absent ones stay absent.
    """
    if isinstance(storage, LocalStorage):
        return library_dir
    root = cache_dir / "library"
    try:
        stored = {key for prefix in CLIP_PREFIXES for key in storage.list(prefix)}
        for index, clip in enumerate(clips):
            relative = clip_key(clip, library_dir)
            local = root / "Bachata_steps" / relative
            if not local.is_file():
                key = next((p + relative for p in CLIP_PREFIXES if p + relative in stored), None)
                if key is not None:
                    storage.download(key, local)
            clips[index] = dataclasses.replace(clip, path=local)
    except OSError as exc:
        raise TransientFault("Could not fetch the move clips", cause=f"clip download: {exc}") from exc
    return root


def open_pose_verifier(settings: Settings, cpus: int):
    """The YOLO pose verifier when weights are set; otherwise None, said once in the log."""
    if settings.pose_weights is None:
        log.info("pose verification off: no POSE_WEIGHTS set (stored pose embeddings judge transitions)")
        return None
    from ray_pipeline.pose import YoloPoseVerifier  # torch loads only when verification is on

    return YoloPoseVerifier(str(settings.pose_weights), cache_dir=settings.cache_dir, cpus=cpus)
