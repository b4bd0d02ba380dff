"""The SPA in Debian's Chromium (playwright-core) against the real API, local launcher and renders."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bachata_common.settings import PROJECT_ROOT
from ray_pipeline.synthetic import make_song
from tests.conftest import require

FRONTEND = PROJECT_ROOT / "frontend"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, demo_library, session_var_dir):
    require(Path("/usr/bin/chromium").exists(), "Debian's chromium is not installed (make test installs it)")
    require(shutil.which("node") is not None, "Node.js is not installed")
    require((FRONTEND / "dist" / "index.html").exists(), "the SPA is not built (make test builds it)")
    require((FRONTEND / "node_modules" / "playwright-core").exists(), "frontend dependencies are not installed")
    var = tmp_path_factory.mktemp("browser-var")
    port = _free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
        "LIBRARY_DIR": str(demo_library),
        "RENDER_SIZE": "640x360",
        "RENDER_CPUS": "2",
        "PASSWORD_ITERATIONS": "1000",
        "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(session_var_dir)),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


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
    for page in ("register", "profile", "generate", "progress", "result", "collection", "collection-empty"):
        assert (ARTIFACTS / f"{size}-{page}.png").stat().st_size > 1000, page
