"""The API serves the built app at / with deep links, without shadowing the API's own 404s."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import create_app


def test_built_app_is_served_with_deep_links(settings, session_factory, launcher, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    settings.frontend_dist = dist
    with TestClient(create_app(settings, session_factory=session_factory, launcher=launcher)) as client:
        for path in ["/", "/generate", "/tasks/0b6f4c3e-4d2a-4f8e-9c1b-2a3b4c5d6e7f", "/collection/abc"]:
            page = client.get(path)
            assert page.status_code == 200 and "<div id=root>" in page.text, path
        asset = client.get("/assets/app.js")
        assert asset.status_code == 200 and "console.log" in asset.text
        missing = client.get("/api/not-a-thing")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert client.get("/api/health").json()["checks"]["database"] == "ok"


def test_without_a_build_only_the_api_answers(settings, session_factory, launcher, tmp_path):
    settings.frontend_dist = tmp_path / "not-built"
    with TestClient(create_app(settings, session_factory=session_factory, launcher=launcher)) as client:
        assert client.get("/generate").status_code == 404
