"""The interactive API docs at /api/docs, with Swagger UI served by the app itself (never from a CDN).

The page runs no inline script, so the docs keep a strict Content-Security-Policy: the bundle and the few lines
that start it are files of ours.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS = "/api/docs"
START_SCRIPT = (
    'window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", '
    "deepLinking: true, persistAuthorization: false});\n"
)


def swagger_assets() -> Path:
    """Where the packaged Swagger UI bundle lives (fastapi-offline ships it; we only use its files)."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed: the API docs have no Swagger UI to serve")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install_docs(app: FastAPI) -> None:
    """Serve the docs page, its start script and the bundled Swagger UI files."""
    app.mount(f"{DOCS}/assets", StaticFiles(directory=swagger_assets()), name="docs-assets")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{app.title} — docs</title>"
        f'<link rel="stylesheet" href="{DOCS}/assets/swagger-ui.css"></head>'
        '<body><div id="swagger-ui"></div>'
        f'<script src="{DOCS}/assets/swagger-ui-bundle.js"></script>'
        f'<script src="{DOCS}/start.js"></script></body></html>'
    )

    @app.get(DOCS, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(f"{DOCS}/start.js", include_in_schema=False)
    def start() -> Response:
        return Response(START_SCRIPT, media_type="text/javascript")
