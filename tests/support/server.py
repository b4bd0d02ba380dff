"""The real API as a separate process on a free loopback port (browser tests and benchmarks use it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bachata_common.settings import PROJECT_ROOT
from tests.support.ports import free_port


@contextmanager
def serve(var: Path, *, port: int | None = None, workers: int = 1, **env: str) -> Iterator[str]:
    """The real API (with the built SPA) on a (free) loopback port; stopped afterwards."""
    port = port or free_port()
    environment = {**os.environ, "ENVIRONMENT": "test", "VAR_DIR": str(var), "PASSWORD_ITERATIONS": "1000", **env}
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--workers", str(workers)],
        env=environment,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
