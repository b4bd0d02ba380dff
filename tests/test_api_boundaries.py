"""The API never imports the render code: its image carries neither ray_pipeline nor what only the render needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bachata_common.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET

PROGRAM = textwrap.dedent(
    """
    import importlib, pkgutil, sys, tempfile

    class RenderCodeBlocked:
        def find_spec(self, name, path=None, target=None):
            if name == "ray_pipeline" or name.startswith("ray_pipeline."):
                raise ImportError(f"the API imported {name}")

    sys.meta_path.insert(0, RenderCodeBlocked())
    import api
    for module in pkgutil.walk_packages(api.__path__, "api."):
        importlib.import_module(module.name)

    from fastapi.testclient import TestClient
    from api.main import create_app
    from bachata_common.settings import Settings

    var = tempfile.mkdtemp()
    settings = Settings(environment="test", secret_key=sys.argv[1], var_dir=var, database_url=f"sqlite:///{var}/t.db")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/health").status_code in (200, 503)
        assert client.get("/api/songs").status_code == 401
    print("no render code imported")
    """
)


def test_the_api_runs_without_the_render_code():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, TEST_SECRET], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no render code imported" in result.stdout


def test_the_blocker_would_notice_an_import():
    """The check can fail: the same program importing a pipeline module is stopped."""
    program = PROGRAM.replace("import api\n", "import api\nimport ray_pipeline.media\n", 1)
    result = subprocess.run(
        [sys.executable, "-c", program, TEST_SECRET], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "the API imported ray_pipeline" in result.stderr
