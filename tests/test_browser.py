"""The SPA in Debian's Chromium (playwright-core) against the real API, local launcher and renders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
def live_server(tmp_path_factory, demo_library):
    """SQLite, the local launcher, the demo library."""
    _browser_ready()
    var = tmp_path_factory.mktemp("browser-var")
    with serve(
        var,
        DATABASE_URL=f"sqlite:///{var / 'app.db'}",
        LIBRARY_DIR=str(demo_library),
        RENDER_SIZE="640x360",
        RENDER_CPUS="2",
    ) as base:
        yield base


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return make_song(tmp_path_factory.mktemp("e2e-song") / "e2e-groove.wav", bpm=128, duration=40, seed=9).path


@pytest.mark.parametrize("size", ["1280x800", "375x812"])
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
        "login",
        "register",
        "profile",
        "generate",
        "progress",
        "result",
        "collection",
        "saved",
        "collection-empty",
    ):
        assert (ARTIFACTS / f"{size}-{page}.png").stat().st_size > 1000, page


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
