"""`bachata-db upgrade`: prepare the configured database (for deployments that turn AUTO_MIGRATE off)."""

from __future__ import annotations

import argparse
import logging

from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bachata-db", description=__doc__)
    parser.add_argument("command", choices=["upgrade"], help="create or migrate the schema to the newest revision")
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = create_db_engine(get_settings().sqlalchemy_url)
    try:
        prepare_database(engine)
    finally:
        engine.dispose()
    print("database is at the newest revision")
