"""`bachata-library prepare`: analyse every clip and prepare the library for each output format, once.

Renders prepare what they lack on the way, but a whole library at once (at deploy, or at `make run` for the
demo library) keeps the first dancers from waiting. With STORAGE_BACKEND=gcs the copies go to the bucket's
``library/prepared/<format>/``, where every execution finds them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from bachata_common.settings import get_settings
from bachata_common.storage import open_storage
from ray_pipeline.backends import localise_clips
from ray_pipeline.cli import ProgressBar
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveIndex, load_library, playable
from ray_pipeline.pipeline import Renderer
from ray_pipeline.prepared import PreparedLibrary, format_name
from ray_pipeline.runtime import ray_runtime

FORMATS = ("1280x720", "720x1280")


def _parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="bachata-library", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="analyse the clips and prepare them for each output format")
    prepare.add_argument("--format", action="append", help=f"output size (repeatable; default {', '.join(FORMATS)})")
    prepare.add_argument("--library", type=Path, default=settings.library_dir, help="move library folder")
    prepare.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs for the local Ray runtime")
    return parser


def prepare(library: Path, formats: list[OutputFormat], cpus: int) -> list[dict]:
    """Analyse and prepare every playable clip of ``library``; one report line per format."""
    settings = get_settings()
    storage = open_storage(settings)
    clips = load_library(library)
    localise_clips(clips, storage, library, settings.cache_dir)  # from the bucket, when the clips live there
    clips = playable(clips)
    reports = []
    with ray_runtime(cpus):
        renderer = Renderer(
            index=MoveIndex(clips),
            cache_dir=settings.cache_dir,
            cpus=cpus,
            prepared=PreparedLibrary(settings.cache_dir, storage),
        )
        bar = ProgressBar()
        bar("analyzing", 0, f"Analysing {len(clips)} clips...")
        analyses = renderer.clip_analyses(clips)
        ready = [(clip, analyses[clip.clip_id]) for clip in clips if clip.clip_id in analyses]
        for output in formats:
            started = time.perf_counter()

            def advance(done: int, total: int, output: OutputFormat = output) -> None:
                bar("preparing", 100 * done // total, f"{output}: {done}/{total} clips")

            paths = renderer.prepare(ready, output, advance)
            reports.append(
                {
                    "format": format_name(output),
                    "clips": len(paths),
                    "seconds": round(time.perf_counter() - started, 1),
                    "megabytes": round(sum(path.stat().st_size for path in paths.values()) / 2**20, 1),
                }
            )
        bar.close()
    return reports


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        formats = [OutputFormat.parse(size) for size in (args.format or FORMATS)]
    except ValueError as exc:
        print(f"bachata-library: {exc}", file=sys.stderr)
        return 2
    for report in prepare(args.library, formats, args.cpus):
        took = f"{report['seconds']} s, {report['megabytes']} MB"
        print(f"{report['format']}: {report['clips']} clips prepared ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
