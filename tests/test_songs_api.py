"""Songs: the library listing, private uploads decoded before they are kept, and every refusal."""

from __future__ import annotations

import pytest

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
