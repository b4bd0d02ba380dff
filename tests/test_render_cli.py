"""`render` from a terminal; `render --profile`: the dashboard on loopback for the run, a timeline beside the video."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import httpx
import psutil
import pytest
import ray

from bachata_common.settings import PROJECT_ROOT
from job_launcher.ray_jobs import auth_headers
from ray_pipeline.media import probe
from ray_pipeline.synthetic import make_song
from tests.support.ports import free_port


def _listening(port: int) -> list[str]:
    return [c.laddr.ip for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]


def test_profile_serves_the_dashboard_on_loopback_and_writes_a_timeline(demo_library, session_var_dir, tmp_path):
    song = make_song(tmp_path / "song.wav", bpm=124, duration=32, seed=9)
    port = free_port()
    out = tmp_path / "dance.mp4"
    command = [sys.executable, "-m", "ray_pipeline.cli", str(song.path), "--out", str(out)]
    command += ["--library", str(demo_library), "--size", "640x360", "--cpus", "2"]
    command += ["--profile", "--dashboard-port", str(port)]
    env = {**os.environ, "VAR_DIR": str(session_var_dir)}
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    announced = threading.Event()
    errors: list[str] = []

    def read_stderr():
        for line in process.stderr:
            errors.append(line)
            if f"http://127.0.0.1:{port}" in line:
                announced.set()

    reader = threading.Thread(target=read_stderr)
    reader.start()
    answered, addresses = False, []
    try:
        assert announced.wait(120), "".join(errors)
        deadline = time.monotonic() + 60
        while not answered and process.poll() is None and time.monotonic() < deadline:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/api/version", headers=auth_headers(), timeout=2)
                answered = reply.status_code == 200 and reply.json()["ray_version"] == ray.__version__
                addresses = _listening(port)
            except httpx.TransportError:
                time.sleep(0.2)
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join()
    assert process.returncode == 0, "".join(errors)
    assert answered, "the dashboard never answered during the run"
    assert addresses and set(addresses) == {"127.0.0.1"}
    assert _listening(port) == []  # and it is gone with the run

    trace = json.loads((tmp_path / "dance.trace.json").read_text())
    names = {event.get("name", "") for event in trace}
    assert {"ph", "ts", "pid"} <= set(trace[0])
    assert any(name.endswith("cut_batch") for name in names)  # the moves cut from the prepared clips are Ray tasks
    assert "timeline" in output and str(tmp_path / "dance.trace.json") in output
    assert probe(out).duration == pytest.approx(32.0, abs=0.1)


def test_bad_arguments_are_refused_before_any_work(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ray_pipeline.cli", str(tmp_path / "x.wav"), "--out", str(tmp_path / "o.mp4"),
         "--size", "huge"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "huge" in result.stderr
