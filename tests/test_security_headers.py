"""Issue 14 (8): security headers on every kind of response, and API docs served from the app itself."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security_headers import style_hash
from tests.support.api import auth, signed_in
from tests.test_collections_and_plans import make_instructor

JSON = {"Content-Type": "application/json"}
EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_hardened(response, *, cached: bool = False) -> dict[str, str]:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    policy = directives(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy.get("script-src", "") and "'unsafe-eval'" not in str(policy)
    if not cached:
        assert response.headers["cache-control"] == "no-store", response.request.url
    return policy


def test_api_responses_of_every_kind_are_hardened_and_never_cached(client):
    me = signed_in(client)
    responses = [
        client.get("/api/auth/me", headers=auth(me)),  # personal JSON
        client.get("/api/auth/me"),  # an error
        client.post("/api/auth/login", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=JSON),  # 413
        client.get("/api/health"),
    ]
    for response in responses:
        assert directives(response)["default-src"] == "'none'"  # JSON loads nothing
        assert_hardened(response)


def test_private_media_is_not_stored(client, settings, session_factory, clock):
    from tests.support.rows import completed_task

    me = signed_in(client)
    task = completed_task(session_factory, me["user"]["id"], clock.now)
    video = settings.media_root / "output" / f"user_{me['user']['id']}" / f"{task}.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"\0" * 4096)
    ranged = client.get(f"/api/videos/{task}", headers={**auth(me), "Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert_hardened(ranged)
    signed = client.get(client.get(f"/api/videos/{task}/url", headers=auth(me)).json()["video_url"])
    assert signed.status_code == 200
    assert_hardened(signed)


def test_the_docs_use_only_the_apps_own_files(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    policy = assert_hardened(page)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/api/docs/") for source in sources), sources
    assert "<script>" not in page.text  # nothing inline: the start-up lines are a file of ours
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 20, source
    assert "SwaggerUIBundle" in client.get("/api/docs/assets/swagger-ui-bundle.js").text
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Bachata Buddy API"


def test_the_plan_export_may_use_only_its_own_inline_style(client, session_factory):
    teacher = make_instructor(session_factory, signed_in(client))
    plan = client.post("/api/class-plans", headers=auth(teacher), json={"title": "<b>Week 1</b>"}).json()
    page = client.get(f"/api/class-plans/{plan['id']}/export", headers=auth(teacher))
    assert page.status_code == 200 and "&lt;b&gt;Week 1&lt;/b&gt;" in page.text
    policy = assert_hardened(page)
    (style,) = re.findall(r"<style>(.*?)</style>", page.text, flags=re.S)
    assert policy["style-src"] == style_hash(style)  # the style on the page is exactly the one allowed
    assert policy["default-src"] == "'none'" and "script-src" not in policy


@pytest.fixture
def spa_dist(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/assets/app.js"></script>')
    (dist / "assets" / "app.js").write_text("console.log('app')")
    return dist


def test_the_app_page_may_run_only_its_own_scripts(settings, session_factory, clock, launcher, spa_dist):
    configured = settings.model_copy(update={"frontend_dist": spa_dist})
    with TestClient(create_app(configured, session_factory=session_factory, clock=clock, launcher=launcher)) as client:
        page = client.get("/tasks/some-task")
        policy = assert_hardened(page, cached=True)
        assert page.headers["cache-control"] == "no-cache"  # revalidated, so a new release is picked up
        assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
        assert "https://storage.googleapis.com" in policy["media-src"]  # signed bucket links play
        assert_hardened(client.get("/assets/app.js"), cached=True)


def test_production_asks_browsers_to_keep_to_https(settings, session_factory, clock, launcher):
    production = settings.model_copy(update={"environment": "production"})
    with TestClient(create_app(production, session_factory=session_factory, clock=clock, launcher=launcher)) as client:
        assert client.get("/api/health").headers["strict-transport-security"].startswith("max-age=31536000")
