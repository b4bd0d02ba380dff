"""Fault injection: the database going away mid-render, failed storage writes, the original's sweeper,
two executions of one task, and an API restart while a dancer polls."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import Settings
from ray_pipeline.job import EXIT_OK, EXIT_RETRY, JobParams, run_job
from ray_pipeline.synthetic import make_song
from tests.conftest import TEST_ITERATIONS, TEST_SECRET
from tests.support.postgres import ThrowawayPostgres, find_bin_dir
from tests.support.rows import create_task, create_user, read_task
from tests.support.server import serve

pytestmark = pytest.mark.postgres


def _job(engine, media: Path, var_dir: Path, library: Path) -> tuple[Settings, JobParams, int, str]:
    make_song(media / "songs" / "fault.wav", bpm=128, duration=33, seed=12)
    user_id = create_user(engine)
    task_id = create_task(engine, user_id)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        media_dir=media,
        var_dir=var_dir,
        library_dir=library,
        render_size="640x360",
        render_cpus=2,
    )
    return settings, JobParams(task_id, user_id, "songs/fault.wav", "intermediate", None, None), user_id, task_id


def _outputs(media: Path, user_id: int) -> list[str]:
    folder = media / "output" / f"user_{user_id}"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def _when_stage(engine, task_id: str, stages: tuple[str, ...], action, timeout: float = 120) -> threading.Thread:
    """Run ``action`` once the row reaches one of ``stages`` (polled from another thread)."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and read_task(engine, task_id).stage not in stages:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


@pytest.fixture
def own_postgres():
    """A server of this test's own, so stopping it disturbs no other test."""
    server = ThrowawayPostgres(find_bin_dir()).start()
    engine = create_db_engine(server.create_database("faults"))
    prepare_database(engine)
    try:
        yield server, engine
    finally:
        engine.dispose()
        server.stop()


def test_the_database_going_away_mid_render_leaves_a_row_the_retry_completes(
    ray_two_cpus, own_postgres, tmp_path, session_var_dir, demo_library
):
    server, engine = own_postgres
    settings, params, user_id, task_id = _job(engine, tmp_path / "media", session_var_dir, demo_library)

    def outage() -> None:
        server.pause()
        time.sleep(6)  # longer than the analysis: the next progress write finds no database
        server.resume()

    watcher = _when_stage(engine, task_id, ("analyzing",), outage)
    assert run_job(params, settings) == EXIT_RETRY
    watcher.join()
    row = read_task(engine, task_id)
    assert row.status == "running" and row.result is None  # nothing half-written; the reaper or a retry ends it
    assert run_job(params, settings) == EXIT_OK  # Cloud Run's retry
    row = read_task(engine, task_id)
    assert (row.status, row.progress, row.error) == ("completed", 100, None)
    assert _outputs(tmp_path / "media", user_id) == [f"{task_id}.json", f"{task_id}.mp4", f"{task_id}.vtt"]


def test_a_failed_video_write_publishes_nothing_and_the_retry_succeeds(
    ray_two_cpus, committed_postgresql_engine, tmp_path, session_var_dir, demo_library, monkeypatch
):
    settings, params, user_id, task_id = _job(
        committed_postgresql_engine, tmp_path / "media", session_var_dir, demo_library
    )
    real_copy = shutil.copyfile

    def disk_full_halfway(source, target):
        if str(source).endswith(".mp4"):
            Path(target).write_bytes(Path(source).read_bytes()[:1000])
            raise OSError(28, "No space left on device")
        return real_copy(source, target)

    monkeypatch.setattr(shutil, "copyfile", disk_full_halfway)
    assert run_job(params, settings) == EXIT_RETRY
    row = read_task(committed_postgresql_engine, task_id)
    # The local launcher never retries, so the dancer is told to generate again, not that a retry follows.
    assert row.status == "failed" and row.message == "Could not save the video; please generate again"
    assert "No space left" in row.error
    folder = tmp_path / "media" / "output" / f"user_{user_id}"
    assert not (folder / f"{task_id}.mp4").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".partial")]  # no half file left behind
    monkeypatch.setattr(shutil, "copyfile", real_copy)
    assert run_job(params, settings) == EXIT_OK
    assert read_task(committed_postgresql_engine, task_id).status == "completed"
    assert _outputs(tmp_path / "media", user_id) == [f"{task_id}.json", f"{task_id}.mp4", f"{task_id}.vtt"]


def test_the_originals_sweeper_marking_the_task_failed_mid_render_does_not_stop_it(
    ray_two_cpus, committed_postgresql_engine, tmp_path, session_var_dir, demo_library
):
    settings, params, _, task_id = _job(committed_postgresql_engine, tmp_path / "media", session_var_dir, demo_library)

    def sweep() -> None:  # what the original app's stuck-task sweeper writes
        with committed_postgresql_engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE choreography_tasks SET status = 'failed', stage = 'failed', progress = 0, "
                f"message = 'Task timed out', error = 'stuck' WHERE task_id = '{task_id}'"
            )

    swept = _when_stage(committed_postgresql_engine, task_id, ("analyzing",), sweep)
    assert run_job(params, settings) == EXIT_OK
    swept.join()
    row = read_task(committed_postgresql_engine, task_id)
    assert (row.status, row.stage, row.progress, row.error) == ("completed", "completed", 100, None)


def test_two_executions_of_one_task_leave_one_video_and_one_saved_row(
    ray_two_cpus, committed_postgresql_engine, tmp_path, session_var_dir, demo_library
):
    settings, params, user_id, task_id = _job(
        committed_postgresql_engine, tmp_path / "media", session_var_dir, demo_library
    )
    codes: list[int] = []
    runs = [threading.Thread(target=lambda: codes.append(run_job(params, settings))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert codes == [EXIT_OK, EXIT_OK]
    row = read_task(committed_postgresql_engine, task_id)
    assert row.status == "completed"
    assert _outputs(tmp_path / "media", user_id) == [f"{task_id}.json", f"{task_id}.mp4", f"{task_id}.vtt"]
    with committed_postgresql_engine.connect() as connection:
        saved = connection.exec_driver_sql(
            f"SELECT count(*) FROM saved_choreographies WHERE user_id = {user_id}"
        ).scalar()
    assert saved == 1


def test_polling_survives_an_api_restart(committed_postgresql_engine, tmp_path, demo_library):
    env = {
        "DATABASE_URL": committed_postgresql_engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": TEST_SECRET,
        "LIBRARY_DIR": str(demo_library),
        "PASSWORD_ITERATIONS": str(TEST_ITERATIONS),
    }
    with serve(tmp_path / "var", **env) as base:
        tokens = httpx.post(f"{base}/api/auth/register", json={"email": "poll@example.com", "password":
                            "steps-on-the-one-1", "display_name": "Poll"}).json()  # fmt: skip
        user_id = tokens["user"]["id"]
        task_id = create_task(committed_postgresql_engine, user_id)
        headers = {"Authorization": f"Bearer {tokens['access']}"}
        before = httpx.get(f"{base}/api/choreography/tasks/{task_id}", headers=headers)
        assert before.status_code == 200 and before.json()["status"] == "started"
        port = base.rsplit(":", 1)[1]
    with committed_postgresql_engine.begin() as connection:  # the render moved on while no API was up
        connection.exec_driver_sql(
            f"UPDATE choreography_tasks SET status='running', progress=60, stage='generating' WHERE task_id='{task_id}'"
        )
    with serve(tmp_path / "var", port=int(port), **env) as base_again:
        after = httpx.get(f"{base_again}/api/choreography/tasks/{task_id}", headers=headers)
        assert after.status_code == 200  # the same token works: sessions live in the database, not the process
        assert (after.json()["status"], after.json()["progress"]) == ("running", 60)
        refreshed = httpx.post(f"{base_again}/api/auth/refresh", json={"refresh": tokens["refresh"]})
        assert refreshed.status_code == 200


def test_a_burst_beyond_the_connection_pool_is_served(postgres, tmp_path, demo_library):
    """More simultaneous requests than pooled connections once stalled every worker thread (pool timeout)."""
    import asyncio

    engine_url = postgres.create_database("burst")
    env = {"DATABASE_URL": engine_url, "SECRET_KEY": TEST_SECRET, "LIBRARY_DIR": str(demo_library),
           "LOGIN_RATE_LIMIT_PER_MINUTE": "1000", "RATE_LIMIT_PER_MINUTE": "1000"}  # fmt: skip
    with serve(tmp_path / "var", **env) as base:
        with httpx.Client(base_url=base) as client:
            body = {"email": "burst@example.com", "password": "steps-on-the-one-1", "display_name": "Burst"}
            assert client.post("/api/auth/register", json=body).status_code == 201

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                login = {"email": "burst@example.com", "password": "steps-on-the-one-1"}
                replies = await asyncio.gather(*(client.post("/api/auth/login", json=login) for _ in range(100)))
                return [reply.status_code for reply in replies]

        statuses = asyncio.run(burst())
    assert statuses == [200] * 100
