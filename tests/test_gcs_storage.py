"""GCS storage against the fake-gcs-server emulator: round trips, ranged streaming, signed URLs, outages."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.main import create_app
from bachata_common.settings import Settings
from bachata_common.storage import StorageUnavailable, output_key
from ray_pipeline.job import EXIT_OK, EXIT_RETRY, JobParams, run_job
from ray_pipeline.synthetic import make_song
from tests.support.api import auth, signed_in
from tests.support.gcs import bucket_storage, emulator, new_bucket, signing_credentials
from tests.support.ports import free_port
from tests.support.rows import completed_task, create_task, create_user, read_task

VIDEO = os.urandom(3 * 1024 * 1024 + 123)  # crosses the 1 MiB boundaries of ranged reads


@pytest.fixture(scope="module")
def gcs():
    with emulator() as server:
        yield server


@pytest.fixture
def bucket(gcs):
    return new_bucket(gcs.url)


@pytest.fixture
def store(gcs, bucket):
    return bucket_storage(gcs.url, bucket)


def test_emulator_listens_on_loopback_only(gcs):
    import psutil

    listening = [c.laddr.ip for c in psutil.Process(gcs._process.pid).net_connections() if c.status == "LISTEN"]
    assert listening == ["127.0.0.1"]


def test_round_trip_keeps_every_byte_and_the_bucket_layout(store, tmp_path):
    source = tmp_path / "video.mp4"
    source.write_bytes(VIDEO)
    key = output_key(7, "task.mp4")
    store.put_file(source, key)
    store.put_json("meta/songs/a.mp3.json", {"title": "A"})
    assert store.exists(key) and not store.exists("output/user_7/other.mp4")
    assert store.size(key) == len(VIDEO)
    assert store.list("output/") == ["output/user_7/task.mp4"]
    assert store.download(key, tmp_path / "copy.mp4").read_bytes() == VIDEO
    with store.local_copy(key) as local:
        assert local.read_bytes() == VIDEO
    assert not local.exists()  # the temporary copy is gone after the block
    assert b"".join(store.read_range(key, 1_048_570, 2_097_160)) == VIDEO[1_048_570:2_097_161]
    assert store.read_json("meta/songs/a.mp3.json") == {"title": "A"}
    assert store.read_json("meta/missing.json") is None
    store.delete(key)
    store.delete(key)  # deleting twice is fine
    assert not store.exists(key)
    assert not list(tmp_path.glob(".*partial"))


def test_anonymous_credentials_cannot_sign_so_no_bucket_url(store, tmp_path):
    assert store.signed_url("output/user_1/x.mp4", 60) is None


def test_signed_url_serves_the_object_with_range(gcs, bucket, tmp_path):
    signer = bucket_storage(gcs.url, bucket, signing_credentials=signing_credentials())
    source = tmp_path / "v.mp4"
    source.write_bytes(VIDEO)
    signer.put_file(source, "output/user_3/v.mp4")
    url = signer.signed_url("output/user_3/v.mp4", 600)
    parts = urlsplit(url)
    assert parts.path == f"/{bucket}/output/user_3/v.mp4"
    assert "X-Goog-Signature=" in parts.query and "X-Goog-Expires=600" in parts.query
    # The emulator answers bucket-host requests when asked as storage.googleapis.com, like the real service.
    response = httpx.get(
        f"{gcs.url}{parts.path}?{parts.query}",
        headers={"Host": "storage.googleapis.com", "Range": "bytes=10-19"},
        timeout=10,
    )
    assert response.status_code == 206 and response.content == VIDEO[10:20]


def test_an_unreachable_bucket_raises_storage_unavailable(tmp_path):
    dead = bucket_storage(f"http://127.0.0.1:{free_port()}", "nowhere", retry_seconds=1)
    source = tmp_path / "x"
    source.write_bytes(b"x")
    with pytest.raises(StorageUnavailable):
        dead.put_file(source, "output/user_1/x.mp4")
    assert isinstance(StorageUnavailable("x"), OSError)  # the job's storage handling sees it as I/O trouble
    assert not dead.reachable()


@pytest.fixture
def gcs_app(gcs, bucket, settings, session_factory, clock, launcher):
    from fastapi.testclient import TestClient

    gcs_settings = settings.model_copy(update={"storage_backend": "gcs", "gcs_bucket_name": bucket})
    app = create_app(gcs_settings, session_factory=session_factory, clock=clock, launcher=launcher)
    app.state.storage = bucket_storage(gcs.url, bucket)
    with TestClient(app) as client:
        yield client, app


def test_api_streams_bucket_videos_with_range_and_signs_its_own_links(gcs_app, session_factory, clock, tmp_path):
    client, app = gcs_app
    owner = signed_in(client)
    task_id = completed_task(session_factory, owner["user"]["id"], clock.now)
    source = tmp_path / "v.mp4"
    source.write_bytes(VIDEO)
    app.state.storage.put_file(source, output_key(owner["user"]["id"], f"{task_id}.mp4"))
    (tmp_path / "v.vtt").write_text("WEBVTT\n")
    app.state.storage.put_file(tmp_path / "v.vtt", output_key(owner["user"]["id"], f"{task_id}.vtt"))

    url = f"/api/videos/{task_id}"
    whole = client.get(url, headers=auth(owner))
    assert whole.status_code == 200 and whole.content == VIDEO
    assert whole.headers["content-length"] == str(len(VIDEO)) and whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**auth(owner), "Range": "bytes=1048000-1049999"})
    assert part.status_code == 206 and part.content == VIDEO[1048000:1050000]
    assert part.headers["content-range"] == f"bytes 1048000-1049999/{len(VIDEO)}"
    assert client.get(url, headers={**auth(owner), "Range": "bytes=-10"}).content == VIDEO[-10:]
    beyond = client.get(url, headers={**auth(owner), "Range": f"bytes={len(VIDEO)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(VIDEO)}"

    urls = client.get(f"{url}/url", headers=auth(owner)).json()
    assert urls["video_url"].startswith(f"/api/videos/{task_id}?expires=")  # credentials cannot sign: API links
    assert client.get(urls["video_url"], headers={"Range": "bytes=0-99"}).content == VIDEO[:100]
    assert client.get(urls["subtitles_url"]).text == "WEBVTT\n"
    stranger = signed_in(client)
    assert client.get(url, headers=auth(stranger)).status_code == 404

    app.state.storage.signing_credentials = signing_credentials()
    bucket_urls = client.get(f"{url}/url", headers=auth(owner)).json()
    assert f"/output/user_{owner['user']['id']}/{task_id}.mp4?" in bucket_urls["video_url"]
    assert "X-Goog-Signature=" in bucket_urls["video_url"] and ".vtt?" in bucket_urls["subtitles_url"]


def test_uploads_land_in_the_bucket_and_list(gcs_app, tmp_path):
    client, app = gcs_app
    user = signed_in(client)
    song = make_song(tmp_path / "mine.wav", bpm=120, duration=31, seed=2)
    with song.path.open("rb") as handle:
        created = client.post("/api/songs", headers=auth(user), files={"file": ("Mine.wav", handle, "audio/wav")})
    assert created.status_code == 201, created.text
    key = created.json()["id"]
    assert key.startswith(f"uploads/user_{user['user']['id']}/") and app.state.storage.exists(key)
    listed = client.get("/api/songs", headers=auth(user)).json()["songs"]
    assert any(song["id"] == key and song["title"] == "Mine" for song in listed)
    assert client.get("/api/health").json()["checks"]["storage"] == "ok"


def test_health_reports_an_unreachable_bucket(gcs_app):
    client, app = gcs_app
    app.state.storage = bucket_storage(f"http://127.0.0.1:{free_port()}", "gone", retry_seconds=1)
    response = client.get("/api/health")
    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failing"


# The render job with its bucket: clips from training_videos/, the song from songs/, renders to output/.


def _seed_bucket(store, demo_library: Path, song: Path) -> None:
    for clip in (demo_library / "Bachata_steps").rglob("*.mp4"):
        store.put_file(clip, "training_videos/" + clip.relative_to(demo_library / "Bachata_steps").as_posix())
    store.put_file(song, "songs/bucket_song.wav")


def _metadata_only_library(demo_library: Path, folder: Path) -> Path:
    """The library's JSON without its videos, as a job image carries it; the videos are in the bucket."""
    folder.mkdir()
    for name in ("bachata_annotations.json", "move_embeddings.json"):
        (folder / name).write_bytes((demo_library / name).read_bytes())
    return folder


@pytest.fixture
def bucket_job(committed_postgresql_engine, demo_library, tmp_path, monkeypatch):
    song = make_song(tmp_path / "song.wav", bpm=128, duration=33, seed=8)
    user_id = create_user(committed_postgresql_engine)
    task_id = create_task(committed_postgresql_engine, user_id)

    def run(url: str, bucket: str) -> int:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
        settings = Settings(
            database_url=committed_postgresql_engine.url.render_as_string(hide_password=False),
            var_dir=tmp_path / "var",
            library_dir=library,
            storage_backend="gcs",
            gcs_bucket_name=bucket,
            render_size="640x360",
            render_cpus=2,
            render_max_retries=3,  # as on Cloud Run, whose first attempt this is
        )
        params = JobParams(task_id, user_id, f"gs://{bucket}/songs/bucket_song.wav", "intermediate", None, None)
        return run_job(params, settings)

    library = _metadata_only_library(demo_library, tmp_path / "library")
    return {"run": run, "song": song.path, "user_id": user_id, "task_id": task_id}


@pytest.mark.postgres
def test_job_reads_and_writes_the_bucket(
    ray_two_cpus, gcs, bucket, store, bucket_job, demo_library, committed_postgresql_engine
):
    _seed_bucket(store, demo_library, bucket_job["song"])
    assert bucket_job["run"](gcs.url, bucket) == EXIT_OK
    row = read_task(committed_postgresql_engine, bucket_job["task_id"])
    assert row.status == "completed", row.error
    prefix = f"output/user_{bucket_job['user_id']}/{bucket_job['task_id']}"
    assert store.list("output/") == [f"{prefix}.json", f"{prefix}.mp4", f"{prefix}.vtt"]
    assert row.result["video_path"] == f"{prefix}.mp4"
    assert store.read_json("meta/songs/bucket_song.wav.json")["tempo"] == pytest.approx(128, abs=1)
    # The moves it prepared are shared with every later execution through the bucket.
    clips = {segment["clip"] for segment in row.result["segments"]}
    assert len(store.list("library/prepared/640x360/")) == len(clips)


@pytest.mark.postgres
def test_a_storage_outage_mid_job_exits_for_retry_and_the_retry_succeeds(
    ray_two_cpus, bucket_job, demo_library, committed_postgresql_engine
):
    port = free_port()
    with emulator(port) as server:
        bucket = new_bucket(server.url)
        store = bucket_storage(server.url, bucket)
        _seed_bucket(store, demo_library, bucket_job["song"])

        def stop_once_analysing():
            while read_task(committed_postgresql_engine, bucket_job["task_id"]).stage not in ("analyzing", "failed"):
                time.sleep(0.02)
            server.stop()  # the song is fetched; publishing will find the bucket gone

        outage = threading.Thread(target=stop_once_analysing)
        outage.start()
        assert bucket_job["run"](server.url, bucket) == EXIT_RETRY
        outage.join()
    row = read_task(committed_postgresql_engine, bucket_job["task_id"])
    assert (row.status, row.result) == ("failed", None)
    assert row.message.endswith("; trying again") and "storage" in row.error

    with emulator(port) as server:  # the bucket is back (the emulator keeps nothing, so it is filled again)
        bucket_again = new_bucket(server.url)
        store = bucket_storage(server.url, bucket_again)
        _seed_bucket(store, demo_library, bucket_job["song"])
        assert bucket_job["run"](server.url, bucket_again) == EXIT_OK
        row = read_task(committed_postgresql_engine, bucket_job["task_id"])
        assert row.status == "completed"
        prefix = f"output/user_{bucket_job['user_id']}/{bucket_job['task_id']}"
        assert store.list("output/") == [f"{prefix}.json", f"{prefix}.mp4", f"{prefix}.vtt"]
