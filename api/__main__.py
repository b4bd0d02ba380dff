"""`python -m api` / `bachata-api`: serve the API on loopback with the embedded defaults."""

from __future__ import annotations

import argparse
import os

import uvicorn
from uvicorn.supervisors import Multiprocess

from api.observability import JSON_LOGS, configure_logging
from api.server_config import NoDelayConfig
from bachata_common.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bachata-api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ[JSON_LOGS] = "1"  # uvicorn's worker processes configure their own logging from this
    configure_logging(get_settings().log_level)
    # Our own access line replaces uvicorn's, which would log query strings (signed links carry signatures).
    config = NoDelayConfig(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=None,
    )
    server = uvicorn.Server(config)
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        server.run()


if __name__ == "__main__":
    main()
