"""`bachata-index`: (re)build the Elasticsearch move index from a library folder, in bulk."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bachata_common.search import connect
from bachata_common.settings import get_settings
from ray_pipeline.errors import RenderError
from ray_pipeline.es_index import ElasticsearchIndex
from ray_pipeline.library import load_index_backup, load_library, playable


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="bachata-index", description=__doc__.split(": ", 1)[1])
    parser.add_argument("--url", default=settings.elasticsearch_url, help="Elasticsearch URL (ELASTICSEARCH_URL)")
    parser.add_argument("--index", default=settings.elasticsearch_index, help="index name (ELASTICSEARCH_INDEX)")
    parser.add_argument("--library", type=Path, default=settings.library_dir, help="library folder (LIBRARY_DIR)")
    parser.add_argument("--backup", type=Path, help="also index the documents of an original index backup JSON")
    parser.add_argument("--recreate", action="store_true", help="delete and recreate the index first")
    parser.add_argument("--all", action="store_true", help="index clips whose video file is missing too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not args.url:
        parser.error("no Elasticsearch URL: pass --url or set ELASTICSEARCH_URL")
    try:
        clips = load_library(args.library)
        if args.backup:
            clips += load_index_backup(args.backup, args.library)
        clips = clips if args.all else playable(clips)
        index = ElasticsearchIndex(
            connect(args.url, api_key=settings.elasticsearch_api_key), clips_root=args.library, index=args.index
        )
        count = index.rebuild(clips, recreate=args.recreate, local_server=not settings.elasticsearch_api_key)
    except RenderError as exc:
        print(f"bachata-index: {exc.message} ({exc.cause})", file=sys.stderr)
        return 1
    print(f"indexed {count} clips into {args.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
