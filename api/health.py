"""Health: is the database reachable, storage writable, and the move index there to load."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bachata_common.search import index_reachable

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["health"])


def _database_ok(request: Request) -> bool:
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("health: database unreachable", exc_info=True)
        return False


def _storage_ok(request: Request) -> bool:
    return request.app.state.storage.reachable()


def _index_ok(request: Request) -> bool:
    settings = request.app.state.settings
    if settings.move_index == "elasticsearch":
        return index_reachable(settings)
    library = settings.library_dir
    present = (library / "move_embeddings.json").is_file() and (library / "bachata_annotations.json").is_file()
    if not present:
        log.warning("health: no move index at %s", library)
    return present


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """200 with each check when all pass; 503 naming the failing ones otherwise."""
    checks = {"database": _database_ok(request), "storage": _storage_ok(request), "index": _index_ok(request)}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {k: "ok" if v else "failing" for k, v in checks.items()},
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
