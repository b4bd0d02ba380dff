"""Serve the built React app at / (every non-API path gets index.html, so deep links work)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.errors import NotFound


def install_spa(app: FastAPI, dist: Path) -> None:
    """Mount the built assets and a catch-all page route; does nothing when the app was not built."""
    index = dist / "index.html"
    if not index.is_file():
        return
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    def page(path: str) -> FileResponse:
        if path == "api" or path.startswith("api/"):
            raise NotFound("Not Found")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
