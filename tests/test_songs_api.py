"""Songs: the library listing, private uploads decoded before they are kept, and every refusal."""

from __future__ import annotations

import threading

import anyio
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from ray_pipeline.synthetic import make_song
from tests.support.api import auth, signed_in


@pytest.fixture
def library_song(settings) -> str:
    make_song(settings.media_root / "songs" / "Aventura_Obsesion.wav", bpm=128, duration=35)
    return "songs/Aventura_Obsesion.wav"


def upload(client, pair, path, name=None):
    with open(path, "rb") as handle:
        return client.post("/api/songs", headers=auth(pair), files={"file": (name or path.name, handle)})


def stored_uploads(settings) -> list:
    root = settings.media_root / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_listing_shows_the_library_and_only_your_uploads(client, settings, library_song, tmp_path):
    me, other = signed_in(client), signed_in(client)
    make_song(tmp_path / "my song.wav", bpm=124, duration=31)
    mine = upload(client, me, tmp_path / "my song.wav")
    assert mine.status_code == 201, mine.text
    songs = client.get("/api/songs", headers=auth(me)).json()["songs"]
    assert [(s["id"], s["source"]) for s in songs] == [(library_song, "library"), (mine.json()["id"], "upload")]
    assert songs[0]["title"] == "Aventura Obsesion" and songs[0]["duration"] == pytest.approx(35, abs=0.1)
    assert songs[1]["title"] == "my song" and songs[1]["duration"] == pytest.approx(31, abs=0.1)
    theirs = client.get("/api/songs", headers=auth(other)).json()["songs"]
    assert [s["id"] for s in theirs] == [library_song]
    assert client.get("/api/songs").status_code == 401


@pytest.mark.parametrize("suffix", [".mp3", ".wav", ".flac", ".ogg", ".m4a"])
def test_uploads_of_each_audio_format_are_kept_privately(client, settings, tmp_path, suffix):
    me = signed_in(client)
    make_song(tmp_path / f"groove{suffix}", bpm=126, duration=32)
    response = upload(client, me, tmp_path / f"groove{suffix}", name="groove.bin")  # type by content, not name
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith(f"uploads/user_{me['user']['id']}/") and body["id"].endswith(suffix)
    assert body["duration"] == pytest.approx(32, abs=0.2)
    assert (settings.media_root / body["id"]).is_file()


def _truncated_mp3(tmp_path):
    make_song(tmp_path / "full.mp3", bpm=128, duration=40)
    data = (tmp_path / "full.mp3").read_bytes()
    (tmp_path / "cut.mp3").write_bytes(data[: len(data) // 4] + b"\x00garbage" * 100)
    return tmp_path / "cut.mp3"


def _five_seconds(tmp_path):
    make_song(tmp_path / "short.wav", bpm=128, duration=5)
    return tmp_path / "short.wav"


def _text_as_mp3(tmp_path):
    (tmp_path / "notes.mp3").write_text("these are my dance notes, not a song\n" * 50)
    return tmp_path / "notes.mp3"


def _video(tmp_path):
    from ray_pipeline.synthetic import make_clip

    make_clip(tmp_path / "clip.mp4", bpm=120, duration=31, label="video")
    return tmp_path / "clip.mp4"


def _empty(tmp_path):
    (tmp_path / "empty.mp3").write_bytes(b"")
    return tmp_path / "empty.mp3"


@pytest.mark.parametrize(
    ("make", "status"), [(_text_as_mp3, 415), (_video, 415), (_truncated_mp3, 422), (_five_seconds, 422), (_empty, 422)]
)
def test_bad_uploads_are_refused_and_leave_nothing(client, settings, tmp_path, make, status):
    me = signed_in(client)
    response = upload(client, me, make(tmp_path))
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert stored_uploads(settings) == []
    assert list((settings.media_root / "tmp").glob("*")) == []


def test_oversized_uploads_are_413_before_being_read(client, settings, tmp_path):
    me = signed_in(client)
    big = tmp_path / "big.mp3"
    big.write_bytes(b"\x00" * (40 * 1024 * 1024))
    response = upload(client, me, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert stored_uploads(settings) == []


def test_json_bodies_are_capped(client):
    response = client.post(
        "/api/auth/login", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


# Issue 14 (9, 10): quota, delete, rate limit; no database held and no body read where it need not be.


def mb_song(tmp_path, name="song.wav", seconds=31):
    return make_song(tmp_path / name, bpm=124, duration=seconds).path  # a 31 s wav is about 1.3 MB


def quota_app(settings, session_factory, clock, launcher, **changes) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes), session_factory=session_factory, clock=clock,
                                 launcher=launcher))  # fmt: skip


def test_a_dancers_uploads_stay_within_their_quota(settings, session_factory, clock, launcher, tmp_path):
    song = mb_song(tmp_path)
    quota = int(2.5 * song.stat().st_size)
    with quota_app(settings, session_factory, clock, launcher, upload_quota_bytes=quota) as client:
        me, other = signed_in(client), signed_in(client)
        kept = [upload(client, me, song) for _ in range(2)]
        assert [reply.status_code for reply in kept] == [201, 201]
        refused = upload(client, me, song)
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "storage_quota_exceeded"
        assert "delete a song" in refused.json()["error"]["message"]
        assert upload(client, other, song).status_code == 201  # the quota is each dancer's own
        assert client.delete(f"/api/songs/{kept[0].json()['id']}", headers=auth(me)).status_code == 204
        assert upload(client, me, song).status_code == 201
    assert len(stored_uploads(settings)) == 3  # two of mine (one replaced) and theirs


def test_deleting_songs_only_ones_own_uploads_and_not_while_rendering(client, settings, library_song, tmp_path):
    me, other = signed_in(client), signed_in(client)
    mine = upload(client, me, mb_song(tmp_path)).json()["id"]
    assert client.delete(f"/api/songs/{mine}", headers=auth(other)).status_code == 404  # theirs is invisible
    assert client.delete(f"/api/songs/{library_song}", headers=auth(me)).status_code == 403
    assert client.delete("/api/songs/uploads/../songs/x.wav", headers=auth(me)).status_code == 404
    started = client.post("/api/choreography/generate", headers=auth(me), json={"song": mine})
    assert started.status_code == 202
    busy = client.delete(f"/api/songs/{mine}", headers=auth(me))
    assert busy.status_code == 409 and "rendering" in busy.json()["error"]["message"]
    client.post(f"/api/choreography/tasks/{started.json()['task_id']}/cancel", headers=auth(me))
    assert client.delete(f"/api/songs/{mine}", headers=auth(me)).status_code == 204
    assert client.get("/api/songs", headers=auth(me)).json()["songs"] == [
        song for song in client.get("/api/songs", headers=auth(other)).json()["songs"]
    ]  # only the library is left
    assert stored_uploads(settings) == []
    assert client.delete(f"/api/songs/{mine}", headers=auth(me)).status_code == 404


def test_uploading_counts_against_the_strict_rate_limit(settings, session_factory, clock, launcher, tmp_path):
    song = mb_song(tmp_path)
    with quota_app(settings, session_factory, clock, launcher, upload_rate_limit_per_minute=2) as client:
        me = signed_in(client)
        codes = [upload(client, me, song).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        assert client.get("/api/songs", headers=auth(me)).status_code == 200  # listing is not an upload


def test_no_connection_is_held_while_an_upload_is_checked(client, monkeypatch, tmp_path):
    """ffprobe and the decode ran inside the request's session: with one connection, everyone else waited."""
    from api.songs import service

    me = signed_in(client)
    client.app.state.db_slots = anyio.Semaphore(1)  # one pooled connection, as on a small instance
    checking, release = threading.Event(), threading.Event()
    real_check = service._check_audio

    def slow_check(path):
        checking.set()
        release.wait(30)
        return real_check(path)

    monkeypatch.setattr(service, "_check_audio", slow_check)
    replies = {}
    uploading = threading.Thread(target=lambda: replies.update(upload=upload(client, me, mb_song(tmp_path))))
    uploading.start()
    try:
        assert checking.wait(30)
        bystander = threading.Thread(target=lambda: replies.update(me=client.get("/api/auth/me", headers=auth(me))))
        bystander.start()
        bystander.join(10)
        assert "me" in replies and replies["me"].status_code == 200  # served while the upload is being checked
    finally:
        release.set()
        uploading.join(60)
    assert replies["upload"].status_code == 201


def asgi_post(app, path: str, headers: list[tuple[bytes, bytes]], chunks: int, chunk: bytes):
    """Send a chunked POST straight to the ASGI app; returns (status, chunks the app read)."""
    read, status = 0, []

    async def receive():
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < chunks}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "scheme": "http",
             "http_version": "1.1", "root_path": "", "app": app}  # fmt: skip
    anyio.run(app, scope, receive, send)
    return status[0], read


def test_an_anonymous_upload_is_turned_away_before_its_body_is_read(client):
    multipart = [(b"content-type", b"multipart/form-data; boundary=xyz")]
    status, read = asgi_post(client.app, "/api/songs", multipart, chunks=20, chunk=b"\0" * 1024 * 1024)
    assert (status, read) == (401, 0)  # once: all 20 MB parsed, then the 401


def test_a_chunked_upload_over_the_limit_is_413(client):
    me = signed_in(client)
    headers = {**auth(me), "Content-Type": "multipart/form-data; boundary=xyz"}
    body = (b"\0" * 1024 * 1024 for _ in range(30))  # no Content-Length: only counting can stop it
    response = client.post("/api/songs", headers=headers, content=body)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
