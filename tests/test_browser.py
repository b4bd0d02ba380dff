"""The SPA in Debian's Chromium (playwright-core) against the real API, local launcher and renders."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from bachata_common.settings import PROJECT_ROOT
from ray_pipeline.synthetic import make_song
from tests.conftest import require
from tests.support.server import serve

FRONTEND = PROJECT_ROOT / "frontend"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"


def _browser_ready() -> None:
    require(Path("/usr/bin/chromium").exists(), "Debian's chromium is not installed (make test installs it)")
    require(shutil.which("node") is not None, "Node.js is not installed")
    require((FRONTEND / "dist" / "index.html").exists(), "the SPA is not built (make test builds it)")
    require((FRONTEND / "node_modules" / "playwright-core").exists(), "frontend dependencies are not installed")


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory, demo_library) -> dict[str, str]:
    """SQLite, the local launcher, the demo library: the server's settings, which a CLI can share."""
    var = tmp_path_factory.mktemp("browser-var")
    return {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
        "LIBRARY_DIR": str(demo_library),
        "RENDER_SIZE": "640x360",
        "RENDER_CPUS": "2",
        "PASSWORD_ITERATIONS": "1000",
    }


@pytest.fixture(scope="module")
def live_server(live_settings):
    _browser_ready()
    with serve(Path(live_settings["VAR_DIR"]), **{k: v for k, v in live_settings.items() if k != "VAR_DIR"}) as base:
        yield base


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return make_song(tmp_path_factory.mktemp("e2e-song") / "e2e-groove.wav", bpm=128, duration=40, seed=9).path


@pytest.mark.parametrize("size", ["1366x768", "390x844"])
def test_dancer_flow_in_chromium(live_server, song, size):
    result = subprocess.run(
        ["node", "e2e/flow.mjs", live_server, str(song), str(ARTIFACTS), size],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in (
        "landing",
        "login",
        "register",
        "profile",
        "generate",
        "progress",
        "result",
        "renders",
        "collection",
        "saved",
        "collection-empty",
    ):
        assert (ARTIFACTS / f"{size}-{page}.png").stat().st_size > 1000, page


def test_staff_make_a_dancer_an_instructor_in_chromium(live_server, live_settings):
    dancer = {"email": "lucia.e2e@example.com", "password": "steps-on-the-one-1", "display_name": "Lucía"}
    registered = httpx.post(f"{live_server}/api/auth/register", json=dancer, timeout=30)
    assert registered.status_code == 201, registered.text
    staff_password = "a-long-studio-password-7"
    created = subprocess.run(
        [str(PROJECT_ROOT / ".venv/bin/bachata-admin"), "create-staff", "owner.e2e@example.com"],
        env={**os.environ, **live_settings, "BACHATA_ADMIN_PASSWORD": staff_password},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    result = subprocess.run(
        ["node", "e2e/staff.mjs", live_server, str(ARTIFACTS), "owner.e2e@example.com", staff_password,
         dancer["email"], dancer["password"]],
        cwd=FRONTEND, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_docs_render_offline_under_their_policy(live_server):
    """Issue 14 (8): the docs' Swagger UI came from a CDN, so offline the page was blank."""
    result = subprocess.run(["node", "e2e/docs.mjs", live_server], cwd=FRONTEND, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.postgres
def test_the_originals_instructor_sees_her_class_plans(postgres, shared_dir, demo_library, tmp_path):
    _browser_ready()
    postgres.create_database("browser_legacy")
    postgres.psql("browser_legacy", "-f", str(shared_dir / "legacy" / "original_db.sql"))
    with serve(tmp_path, DATABASE_URL=postgres.url("browser_legacy"), LIBRARY_DIR=str(demo_library)) as base:
        result = subprocess.run(
            ["node", "e2e/instructor.mjs", base, str(ARTIFACTS)],
            cwd=FRONTEND,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode == 0, result.stdout + result.stderr
