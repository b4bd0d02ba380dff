"""The whole flow with the local launcher and real render processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bachata_common.settings import Settings
from ray_pipeline.media import probe
from ray_pipeline.synthetic import make_song
from tests.conftest import TEST_ITERATIONS, TEST_SECRET
from tests.support.api import auth, signed_in

TERMINAL = ("completed", "failed")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def live_app(request, tmp_path, session_var_dir, demo_library):
    """The real app: its own engine, the local launcher (subprocesses), the demo library."""
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'flow.db'}"
    else:
        server = request.getfixturevalue("postgres")
        database_url = server.create_database(f"flow_{os.getpid()}_{int(time.time() * 1000) % 10**8}")
    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        password_iterations=TEST_ITERATIONS,
        database_url=database_url,
        var_dir=session_var_dir,
        media_dir=tmp_path / "media",
        library_dir=demo_library,
        render_size="640x360",
        render_cpus=2,
        reaper_interval_seconds=3600,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, app, settings


def wait_for(client, pair, task_id, *, timeout=240) -> list[dict]:
    """Poll like the SPA does until the task is finished; returns every state seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/choreography/tasks/{task_id}", headers=auth(pair)).json()
        seen.append(body)
        if body["status"] in TERMINAL:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"task {task_id} did not finish: last state {seen[-1]}")


def test_register_upload_generate_poll_and_watch(live_app, tmp_path):
    client, _, _ = live_app
    me = signed_in(client)
    make_song(tmp_path / "groove.mp3", bpm=128, duration=40, seed=5)
    with open(tmp_path / "groove.mp3", "rb") as handle:
        song = client.post("/api/songs", headers=auth(me), files={"file": ("groove.mp3", handle)}).json()
    response = client.post(
        "/api/choreography/generate", headers=auth(me), json={"song": song["id"], "difficulty": "beginner"}
    )
    assert response.status_code == 202, response.text
    task_id = response.json()["task_id"]

    states = wait_for(client, me, task_id)
    final = states[-1]
    assert final["status"] == "completed", final
    assert final["progress"] == 100 and final["result"]["video_path"] == f"output/user_{me['user']['id']}/{task_id}.mp4"
    assert any(s["status"] == "running" for s in states)

    partial = client.get(f"/api/videos/{task_id}", headers={**auth(me), "Range": "bytes=0-1023"})
    assert partial.status_code == 206 and len(partial.content) == 1024
    total = int(partial.headers["content-range"].rsplit("/", 1)[1])
    whole = client.get(f"/api/videos/{task_id}", headers=auth(me))
    assert len(whole.content) == total and whole.content[:1024] == partial.content
    (tmp_path / "downloaded.mp4").write_bytes(whole.content)
    info = probe(tmp_path / "downloaded.mp4")
    assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "aac", 640, 360)
    assert abs(info.duration - 40.0) <= 0.1

    listed = {s["id"]: s for s in client.get("/api/songs", headers=auth(me)).json()["songs"]}
    assert listed[song["id"]]["tempo"] == pytest.approx(128, abs=1)

    intruder = auth(signed_in(client))
    for path in [f"/api/choreography/tasks/{task_id}", f"/api/videos/{task_id}", f"/api/videos/{task_id}/url"]:
        assert client.get(path, headers=intruder).status_code == 404, path
    signed = client.get(f"/api/videos/{task_id}/url", headers=auth(me)).json()["video_url"]
    assert client.get(signed).status_code == 200


@pytest.mark.postgres
def test_a_killed_render_is_reaped_and_generating_again_works(postgres, tmp_path, session_var_dir, demo_library):
    from api.choreography.service import reap

    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        password_iterations=TEST_ITERATIONS,
        database_url=postgres.create_database(f"kill_{os.getpid()}"),
        var_dir=session_var_dir,
        media_dir=tmp_path / "media",
        library_dir=demo_library,
        render_size="640x360",
        render_cpus=2,
        reaper_interval_seconds=3600,
    )
    make_song(settings.media_root / "songs" / "groove.wav", bpm=126, duration=45, seed=8)
    app = create_app(settings)
    with TestClient(app) as client:
        me = signed_in(client)
        task_id = client.post("/api/choreography/generate", headers=auth(me), json={"song": "songs/groove.wav"}).json()[
            "task_id"
        ]
        launcher = app.state.launcher
        deadline = time.monotonic() + 60
        while client.get(f"/api/choreography/tasks/{task_id}", headers=auth(me)).json()["status"] != "running":
            assert time.monotonic() < deadline, "the render never started"
            time.sleep(0.2)
        [process] = launcher._running.values()
        os.killpg(process.pid, signal.SIGKILL)  # the whole render, Ray runtime included
        process.wait()
        with app.state.session_factory.begin() as session:
            assert len(reap(session=session, launcher=launcher, settings=settings, now=app.state.clock())) == 1
        row = client.get(f"/api/choreography/tasks/{task_id}", headers=auth(me)).json()
        assert (row["status"], row["stage"], row["progress"]) == ("failed", "failed", 0)
        assert "stopped unexpectedly" in row["message"]

        again = client.post("/api/choreography/generate", headers=auth(me), json={"song": "songs/groove.wav"})
        assert again.status_code == 202
        assert wait_for(client, me, again.json()["task_id"])[-1]["status"] == "completed"
