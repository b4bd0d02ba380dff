"""The render job against real PostgreSQL 15: the env contract, the task row's life, failures and reruns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bachata_common.db.legacy import CANCELLED_MESSAGE
from bachata_common.settings import PROJECT_ROOT, Settings
from ray_pipeline.job import EXIT_OK, EXIT_RETRY, JobParams, run_job
from ray_pipeline.media import probe
from ray_pipeline.synthetic import make_song
from tests.support.bombs import lying_flac, peak_rss_mb
from tests.support.rows import create_task, create_user, read_task, recorded_updates, saved_row

pytestmark = pytest.mark.postgres
LEGACY_RESULT_KEYS = {
    "video_path",
    "video_filename",
    "processing_time",
    "sequence_duration",
    "moves_analyzed",
    "metadata_path",
    "saved_choreography_id",
    "auto_saved",
}


def grey_pixels(image: Path) -> np.ndarray:
    """The picture as 64x36 grey levels, decoded by ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(image), "-vf", "scale=64:36,format=gray", "-f", "rawvideo", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).astype(float)


@pytest.fixture
def db(committed_postgresql_engine):
    return committed_postgresql_engine


@pytest.fixture
def media(tmp_path) -> Path:
    return tmp_path / "media"


def job_settings(db, media: Path, var_dir: Path, library: Path, **overrides) -> Settings:
    values = {
        "database_url": db.url.render_as_string(hide_password=False),
        "media_dir": media,
        "var_dir": var_dir,
        "library_dir": library,
        "render_size": "640x360",
        "render_cpus": 2,
        **overrides,
    }
    return Settings(**values)


def params(task_id: str, user_id: int, audio: str, **overrides) -> JobParams:
    values = {"difficulty": "intermediate", "energy_level": None, "style": None, **overrides}
    return JobParams(task_id=task_id, user_id=user_id, audio_input=audio, **values)


def test_job_process_walks_the_row_from_started_to_completed(db, media, session_var_dir, real_library_dir):
    make_song(media / "songs" / "groove.wav", bpm=126, duration=45, seed=21)
    user_id = create_user(db)
    task_id = create_task(db, user_id)
    env = {
        **os.environ,
        "TASK_ID": task_id,
        "USER_ID": str(user_id),
        "AUDIO_INPUT": "songs/groove.wav",
        "DIFFICULTY": "intermediate",
        "ENERGY_LEVEL": "",
        "STYLE": "",
        "JOB_EXECUTION_NAME": "local-test-1",
        "DATABASE_URL": db.url.render_as_string(hide_password=False),
        "MEDIA_DIR": str(media),
        "VAR_DIR": str(session_var_dir),
        "LIBRARY_DIR": str(real_library_dir),
        "RENDER_SIZE": "640x360",
        "RENDER_CPUS": "2",
    }
    with recorded_updates(db) as updates:
        process = subprocess.run(
            [sys.executable, "-m", "ray_pipeline"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert process.returncode == EXIT_OK, process.stdout + process.stderr
        seen = updates(task_id)

    row = read_task(db, task_id)
    assert (row.status, row.stage, row.progress, row.error) == ("completed", "completed", 100, None)
    assert row.job_execution_name == "local-test-1"
    assert set(row.result) >= LEGACY_RESULT_KEYS
    assert row.result["video_path"] == f"output/user_{user_id}/{task_id}.mp4"
    assert row.result["video_filename"] == f"{task_id}.mp4"
    assert row.result["quality"]["phrase_alignment"] >= 0.95
    assert all(k in row.result for k in ("tempo", "beat_count", "segments", "timings"))
    assert abs(probe(media / row.result["video_path"]).duration - 45.0) <= 0.1
    assert (media / row.result["subtitles_path"]).read_text().startswith("WEBVTT")
    assert row.result["auto_saved"] is True and row.message.endswith("(Auto-saved to collection)")
    saved = saved_row(db, row.result["saved_choreography_id"])
    assert (saved.user_id, saved.video_path, saved.difficulty) == (user_id, row.result["video_path"], "intermediate")
    assert saved.generation_parameters["task_id"] == task_id and saved.music_info["title"] == "groove"
    assert saved.duration == pytest.approx(45.0, abs=0.1)
    # A poster frame, filed as the original files thumbnails, on the row too; a picture of dancers, not a blank.
    poster = row.result["thumbnail_path"]
    assert re.fullmatch(rf"thumbnails/\d{{4}}/\d{{2}}/{task_id}\.jpg", poster) and saved.thumbnail_path == poster
    picture = probe(media / poster)
    assert (picture.video_codec, max(picture.width, picture.height)) == ("mjpeg", 640)
    assert grey_pixels(media / poster).std() > 10

    statuses = [status for status, _, _ in seen]
    assert "running" in statuses
    stages = [stage for status, stage, _ in seen if status == "running"]
    assert {"analyzing", "generating"} <= set(stages)
    progress = [p for status, _, p in seen if status == "running"]
    assert progress == sorted(progress)


def test_rerunning_a_completed_task_changes_nothing(db, media, session_var_dir, demo_library):
    user_id = create_user(db)
    task_id = create_task(
        db, user_id, status="completed", stage="completed", progress=100, message="done", result={"video_path": "x.mp4"}
    )
    before = read_task(db, task_id)
    code = run_job(params(task_id, user_id, "songs/none.wav"), job_settings(db, media, session_var_dir, demo_library))
    assert code == EXIT_OK
    after = read_task(db, task_id)
    assert (after.status, after.result, after.updated_at) == (before.status, before.result, before.updated_at)


def test_a_cancelled_task_is_not_resumed(db, media, session_var_dir, demo_library):
    user_id = create_user(db)
    task_id = create_task(db, user_id, status="failed", stage="failed", message=CANCELLED_MESSAGE)
    assert run_job(params(task_id, user_id, "songs/x.wav"), job_settings(db, media, session_var_dir, demo_library)) == 0
    assert read_task(db, task_id).message == CANCELLED_MESSAGE


def test_another_users_task_is_not_touched(db, media, session_var_dir, demo_library):
    owner, other = create_user(db), create_user(db)
    task_id = create_task(db, owner)
    assert run_job(params(task_id, other, "songs/x.wav"), job_settings(db, media, session_var_dir, demo_library)) == 0
    assert read_task(db, task_id).status == "started"


def _write_wav(path: Path, seconds: float, sr: int = 8000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, 0.1 * np.sin(np.arange(int(seconds * sr)) * 0.2), sr)


@pytest.mark.parametrize(
    ("audio", "prepare", "message"),
    [
        ("songs/garbage.mp3", lambda p: p.write_text("this is not audio"), "could not be read as audio"),
        ("songs/short.wav", lambda p: _write_wav(p, 10), "too short"),
        ("songs/long.wav", lambda p: _write_wav(p, 601), "too long"),
        ("songs/missing.wav", None, "not found"),
        ("../../etc/passwd", None, "not valid"),
        ("songs/slow.wav", lambda p: make_song(p, bpm=88, duration=40), "No dance moves match"),
    ],
)
def test_bad_songs_fail_for_good_with_a_clear_message(
    ray_two_cpus, db, media, session_var_dir, demo_library, audio, prepare, message
):
    if prepare:
        (media / audio).parent.mkdir(parents=True, exist_ok=True)
        prepare(media / audio)
    user_id = create_user(db)
    task_id = create_task(db, user_id)
    code = run_job(params(task_id, user_id, audio), job_settings(db, media, session_var_dir, demo_library))
    assert code == EXIT_OK  # no retry: it would fail the same way
    row = read_task(db, task_id)
    assert (row.status, row.stage, row.progress) == ("failed", "failed", 0)
    assert message in row.message
    assert row.error


def test_a_song_hiding_hours_behind_its_header_fails_in_the_job_within_bounded_memory(
    db, media, session_var_dir, demo_library
):
    """Issue 14 (1): fed straight to the job, the two-hour FLAC that claims 60 s once peaked at 1.44 GB."""
    lying_flac(media / "songs" / "bomb.flac", claims=60, holds=7200)
    user_id = create_user(db)
    task_id = create_task(db, user_id)
    env = {**os.environ, "TASK_ID": task_id, "USER_ID": str(user_id), "AUDIO_INPUT": "songs/bomb.flac",
           "DIFFICULTY": "beginner", "DATABASE_URL": db.url.render_as_string(hide_password=False),
           "MEDIA_DIR": str(media), "VAR_DIR": str(session_var_dir), "LIBRARY_DIR": str(demo_library),
           "RENDER_CPUS": "2"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "ray_pipeline"], env=env, cwd=PROJECT_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    peak_mb = peak_rss_mb(process)
    assert process.returncode == EXIT_OK  # bad input: no retry
    row = read_task(db, task_id)
    assert row.status == "failed" and "too long" in row.message, row.message
    assert 100 < peak_mb < 600, f"the job peaked at {peak_mb:.0f} MB"


def test_unknown_parameters_and_a_missing_library_fail_without_retry(db, media, session_var_dir, tmp_path):
    make_song(media / "songs" / "ok.wav", bpm=128, duration=35)
    user_id = create_user(db)
    bad_style = create_task(db, user_id)
    settings = job_settings(db, media, session_var_dir, tmp_path / "no-library")
    assert run_job(params(bad_style, user_id, "songs/ok.wav", style="robotic"), settings) == EXIT_OK
    assert "Unknown style" in read_task(db, bad_style).message
    no_library = create_task(db, user_id)
    assert run_job(params(no_library, user_id, "songs/ok.wav"), settings) == EXIT_OK
    row = read_task(db, no_library)
    assert row.status == "failed" and "move library is not available" in row.message


def test_an_unreachable_database_exits_for_a_retry(media, session_var_dir, demo_library):
    settings = Settings(
        database_url="postgresql+psycopg2://nobody@127.0.0.1:1/none?connect_timeout=2",
        media_dir=media,
        var_dir=session_var_dir,
        library_dir=demo_library,
    )
    task = JobParams(
        task_id="6f1c2a52-2d43-4f8e-9a4b-0c1b2d3e4f50",
        user_id=1,
        audio_input="songs/x.wav",
        difficulty="beginner",
        energy_level=None,
        style=None,
    )
    assert run_job(task, settings) == EXIT_RETRY


def test_a_ray_start_that_never_returns_ends_the_process_for_a_retry():
    """A hung ray.init kept its render's heartbeat, and so its row and slot, alive for good."""
    script = ("import threading\nfrom ray_pipeline.runtime import _exit_unless_started\n"
              "_exit_unless_started(threading.Event(), 0.5)\nprint('carried on')")  # fmt: skip
    hung = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert hung.returncode == EXIT_RETRY and "carried on" not in hung.stdout
    assert "did not start within" in hung.stderr
    started = "import threading\nfrom ray_pipeline.runtime import _exit_unless_started\ne = threading.Event()\n"
    started += "e.set()\n_exit_unless_started(e, 0.5)\nprint('carried on')"
    assert "carried on" in subprocess.run([sys.executable, "-c", started], cwd=PROJECT_ROOT, capture_output=True,
                                          text=True, timeout=60).stdout  # fmt: skip


def test_the_entry_point_refuses_to_start_without_a_task(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TASK_ID", "USER_ID")}
    result = subprocess.run(
        [sys.executable, "-m", "ray_pipeline"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "TASK_ID must be the task's UUID" in result.stderr


def test_a_retried_execution_leaves_one_video_and_a_consistent_row(
    ray_two_cpus, db, media, session_var_dir, demo_library
):
    make_song(media / "songs" / "retry.wav", bpm=128, duration=35, seed=3)
    user_id = create_user(db)
    task_id = create_task(db, user_id)
    settings = job_settings(db, media, session_var_dir, demo_library)
    task = params(task_id, user_id, "songs/retry.wav")
    assert run_job(task, settings) == EXIT_OK
    first = read_task(db, task_id)
    # The execution is retried as if it had died after publishing, before its final write.
    with db.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE choreography_tasks SET status = 'running', stage = 'generating', progress = 60 "
            f"WHERE task_id = '{task_id}'"
        )
    assert run_job(task, settings) == EXIT_OK
    second = read_task(db, task_id)
    assert (second.status, second.progress, second.error) == ("completed", 100, None)
    assert second.result["video_path"] == first.result["video_path"]
    assert second.result["segments"] == first.result["segments"]  # same seed: the same choreography
    assert second.result["saved_choreography_id"] == first.result["saved_choreography_id"]  # saved once
    outputs = sorted(p.name for p in (media / "output" / f"user_{user_id}").iterdir())
    assert outputs == [f"{task_id}.json", f"{task_id}.mp4", f"{task_id}.vtt"]


def test_auto_save_follows_the_users_preference(ray_two_cpus, db, media, session_var_dir, demo_library):
    make_song(media / "songs" / "nosave.wav", bpm=128, duration=32, seed=4)
    user_id = create_user(db, preferences={"auto_save_choreographies": False})
    task_id = create_task(db, user_id)
    assert (
        run_job(params(task_id, user_id, "songs/nosave.wav"), job_settings(db, media, session_var_dir, demo_library))
        == EXIT_OK
    )
    row = read_task(db, task_id)
    assert row.status == "completed"
    assert (row.result["auto_saved"], row.result["saved_choreography_id"]) == (False, None)
    assert row.message == "Choreography generated successfully!"
