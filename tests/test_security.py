"""The security suite: every owned resource is invisible to others, rate limits, hostile uploads and keys,
and logs that carry a request id but never a secret."""

from __future__ import annotations

import json
import logging
import subprocess

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.observability import JsonFormatter
from api.rate_limit import TokenBuckets
from tests.conftest import TEST_SECRET
from tests.support.api import auth, signed_in
from tests.support.bombs import lying_flac
from tests.test_collections_and_plans import completed_task, make_instructor


@pytest.fixture
def owned(client, session_factory, settings, clock, tmp_path):
    """An instructor with one of everything: task, video files, signed URL, upload, saved row, plan, sequence."""
    from ray_pipeline.synthetic import make_song

    owner = make_instructor(session_factory, signed_in(client))
    user_id = owner["user"]["id"]
    task_id = completed_task(session_factory, user_id, clock)
    folder = settings.media_root / "output" / f"user_{user_id}"
    folder.mkdir(parents=True)
    for suffix, content in ((".mp4", b"\0" * 2048), (".vtt", b"WEBVTT\n"), (".json", b"{}")):
        (folder / f"{task_id}{suffix}").write_bytes(content)
    song = make_song(tmp_path / "mine.wav", bpm=120, duration=31, seed=3)
    with song.path.open("rb") as handle:
        upload = client.post("/api/songs", headers=auth(owner), files={"file": ("mine.wav", handle)}).json()["id"]
    saved = client.post("/api/collections", headers=auth(owner), json={"task_id": task_id, "title": "Mine"}).json()[
        "id"
    ]
    plan = client.post(
        "/api/class-plans",
        headers=auth(owner),
        json={"title": "Mine", "difficulty_level": "beginner", "estimated_duration": 30},
    ).json()["id"]
    sequence = client.post(
        f"/api/class-plans/{plan}/sequences", headers=auth(owner), json={"choreography_id": saved}
    ).json()["sequences"][0]["id"]
    signed = client.get(f"/api/videos/{task_id}/url", headers=auth(owner)).json()
    return {"owner": owner, "task": task_id, "upload": upload, "saved": saved, "plan": plan, "sequence": sequence,
            "signed": signed}  # fmt: skip


def _requests(o: dict) -> list[tuple[str, str, dict | None]]:
    task, saved, plan = o["task"], o["saved"], o["plan"]
    return [
        ("GET", f"/api/choreography/tasks/{task}", None),
        ("POST", f"/api/choreography/tasks/{task}/cancel", None),
        ("GET", f"/api/videos/{task}", None),
        ("GET", f"/api/videos/{task}/subtitles", None),
        ("GET", f"/api/videos/{task}/metadata", None),
        ("GET", f"/api/videos/{task}/url", None),
        ("GET", f"/api/videos/{saved}", None),
        ("POST", "/api/choreography/generate", {"song": o["upload"], "difficulty": "beginner"}),
        ("POST", "/api/collections", {"task_id": task, "title": "mine now"}),
        ("GET", f"/api/collections/{saved}", None),
        ("PATCH", f"/api/collections/{saved}", {"title": "mine now"}),
        ("DELETE", f"/api/collections/{saved}", None),
        ("GET", f"/api/class-plans/{plan}", None),
        ("PATCH", f"/api/class-plans/{plan}", {"title": "mine now"}),
        ("POST", f"/api/class-plans/{plan}/sequences", {"choreography_id": saved}),
        ("DELETE", f"/api/class-plans/{plan}/sequences/{o['sequence']}", None),
        ("POST", f"/api/class-plans/{plan}/reorder", {"sequence_ids": [o["sequence"]]}),
        ("POST", f"/api/class-plans/{plan}/duplicate", None),
        ("GET", f"/api/class-plans/{plan}/summary", None),
        ("GET", f"/api/class-plans/{plan}/export", None),
        ("DELETE", f"/api/class-plans/{plan}", None),
    ]


def test_another_user_gets_404_for_every_owned_resource(client, session_factory, owned):
    stranger = make_instructor(session_factory, signed_in(client))
    for method, path, body in _requests(owned):
        response = client.request(method, path, headers=auth(stranger), json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        assert set(response.json()["error"]) == {"code", "message", "details"}
    # Nothing changed for the owner: the same requests still find everything.
    assert client.get(f"/api/collections/{owned['saved']}", headers=auth(owned["owner"])).json()["title"] != "mine now"
    assert client.get(f"/api/class-plans/{owned['plan']}", headers=auth(owned["owner"])).status_code == 200
    songs = client.get("/api/songs", headers=auth(stranger)).json()["songs"]
    assert owned["upload"] not in [song["id"] for song in songs]


def test_a_signed_link_opens_only_its_own_video(client, owned, session_factory, clock):
    other_task = completed_task(session_factory, owned["owner"]["user"]["id"], clock)
    query = owned["signed"]["video_url"].split("?", 1)[1]
    assert client.get(owned["signed"]["video_url"]).status_code == 200
    assert client.get(f"/api/videos/{other_task}?{query}").status_code == 404


@pytest.mark.parametrize(
    "song",
    ["songs/../uploads/x.wav", "../etc/passwd", "/etc/passwd", "songs/%2e%2e/x.wav", "uploads/user_999999/a.wav",
     "songs\\..\\x.wav", "songs/x.wav\x00.mp3"],
)  # fmt: skip
def test_song_keys_cannot_escape_or_reach_other_users(client, song, launcher):
    user = signed_in(client)
    response = client.post("/api/choreography/generate", headers=auth(user), json={"song": song})
    assert response.status_code in (404, 422), song
    assert launcher.launched == []


def test_an_uploaded_file_name_never_becomes_a_path(client, settings, tmp_path):
    from ray_pipeline.synthetic import make_song

    user = signed_in(client)
    song = make_song(tmp_path / "x.wav", bpm=120, duration=31, seed=4)
    with song.path.open("rb") as handle:
        created = client.post("/api/songs", headers=auth(user), files={"file": ("../../../etc/evil.wav", handle)})
    assert created.status_code == 201
    assert created.json()["id"].startswith(f"uploads/user_{user['user']['id']}/")
    assert not (settings.media_root.parent / "etc").exists()


def test_a_file_whose_header_hides_hours_of_audio_is_refused_at_upload(client, tmp_path):
    """Issue 14 (1): 60 s in the header, two hours of silence inside; the upload once said 201, duration 60."""
    bomb = lying_flac(tmp_path / "bomb.flac", claims=60, holds=7200)
    probed = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                             str(bomb)], capture_output=True, text=True, check=True)  # fmt: skip
    assert float(probed.stdout) == 60.0  # the lie the header tells
    user = signed_in(client)
    with bomb.open("rb") as handle:
        response = client.post("/api/songs", headers=auth(user), files={"file": ("bomb.flac", handle)})
    assert response.status_code == 422, response.text
    assert "over 10 minutes" in response.json()["error"]["message"]
    assert client.get("/api/songs", headers=auth(user)).json()["songs"] == []


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"ID3" + bytes(range(256)) * 40, 415), (b"RIFF\xff\xff\xff\xffWAVEfmt " + b"\x00" * 64, 415), (b"\x00", 415)],
)
def test_malformed_media_is_refused(client, content, status):
    user = signed_in(client)
    response = client.post("/api/songs", headers=auth(user), files={"file": ("x.mp3", content)})
    assert response.status_code in (status, 422)
    assert response.json()["error"]["code"]


# Rate limits


def _limited_app(settings, session_factory, clock, launcher, **limits):
    return TestClient(create_app(settings.model_copy(update=limits), session_factory=session_factory, clock=clock,
                                 launcher=launcher))  # fmt: skip


def test_each_user_gets_their_own_allowance_per_minute(settings, session_factory, clock, launcher):
    with _limited_app(settings, session_factory, clock, launcher, rate_limit_per_minute=20) as client:
        first, second = signed_in(client), signed_in(client)
        statuses = [client.get("/api/auth/me", headers=auth(first)).status_code for _ in range(25)]
        assert statuses.count(200) == 20 and statuses[-1] == 429
        refused = client.get("/api/auth/me", headers=auth(first))
        assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["Retry-After"]) >= 1
        assert client.get("/api/auth/me", headers=auth(second)).status_code == 200


def test_login_and_starting_renders_are_stricter(settings, session_factory, clock, launcher, tmp_path):
    with _limited_app(
        settings, session_factory, clock, launcher, login_rate_limit_per_minute=3, render_rate_limit_per_minute=2
    ) as client:
        user = signed_in(client)
        logins = [client.post("/api/auth/login", json={"email": "x@example.com", "password": "p"}).status_code
                  for _ in range(4)]  # fmt: skip
        assert logins == [401, 401, 401, 429]
        describes = [client.post("/api/choreography/describe", headers=auth(user), json={"query": "slow"}).status_code
                     for _ in range(3)]  # fmt: skip
        assert describes[:2] == [200, 200] and describes[2] == 429
        assert client.get("/api/auth/me", headers=auth(user)).status_code == 200  # other routes are unaffected


def test_token_buckets_refill_over_the_minute():
    now = [0.0]
    buckets = TokenBuckets(60, now=lambda: now[0])
    assert all(buckets.take("a") == 0 for _ in range(60))
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] += 0.5
    assert buckets.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert buckets.take("a") == 0


# Logs


def test_logs_are_json_with_a_request_id_and_never_carry_secrets(client, owned, caplog):
    caplog.set_level(logging.DEBUG)
    password = "steps-on-the-one-1"
    login = client.post(
        "/api/auth/login", json={"email": owned["owner"]["user"]["email"], "password": password},
        headers={"X-Request-ID": "trace-me-123"},
    )  # fmt: skip
    assert login.headers["x-request-id"] == "trace-me-123"
    pair = login.json()
    client.post("/api/auth/refresh", json={"refresh": pair["refresh"]})
    client.get(owned["signed"]["video_url"])
    client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-real-token"})
    client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "guessing-hard-99"})
    # Only the server's own records: the test's HTTP client (httpx) logs the URLs it requests.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert {r.name for r in caplog.records if r.name.startswith("httpx")}  # the filter has something to drop
    lines = [JsonFormatter().format(record) for record in server_records]
    text = "\n".join(lines)
    signature = owned["signed"]["video_url"].split("signature=")[1]
    for secret in (password, "guessing-hard-99", pair["access"], pair["refresh"], owned["owner"]["refresh"],
                   signature, TEST_SECRET, "not-a-real-token"):  # fmt: skip
        assert secret not in text
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "api.access"]
    assert {"POST /api/auth/login 200", "POST /api/auth/refresh 200"} <= {e["message"] for e in access}
    assert all(e["request_id"] and "?" not in e["path"] for e in access)
    assert next(e["request_id"] for e in access if e["path"] == "/api/auth/login") == "trace-me-123"
    assert len({e["request_id"] for e in access}) == len(access)  # every request its own id


def test_a_request_id_that_does_not_look_like_one_is_replaced(client):
    response = client.get("/api/health", headers={"X-Request-ID": "x" * 500})
    assert len(response.headers["x-request-id"]) == 32
