"""Issue 14 (7 and the low items): control characters are refused everywhere, a failed launch never leaves a
phantom row, NOT NULL columns cannot be nulled, and upload titles carry no hidden characters."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from bachata_common.db import ChoreographyTask
from ray_pipeline.synthetic import make_song
from tests.support.api import auth, signed_in
from tests.support.launchers import RecordingLauncher

NUL = "\u0000"


@pytest.fixture
def song(settings) -> str:
    make_song(settings.media_root / "songs" / "Romeo_Propuesta.wav", bpm=128, duration=35)
    return "songs/Romeo_Propuesta.wav"


def test_nul_bytes_are_refused_by_every_kind_of_input(client, song, session_factory):
    """Each of these once gave a 500 on PostgreSQL; describe also left a phantom "started" row."""
    me = signed_in(client)
    email = me["user"]["email"]
    confirmed = {"confirmed": True, "song": song}
    attempts = [
        client.post("/api/auth/login", json={"email": f"{email}{NUL}", "password": "x"}),
        client.post("/api/auth/register", json={"email": "n@example.com", "password": f"pw{NUL}", "display_name": "N"}),
        client.patch("/api/auth/me", headers=auth(me), json={"display_name": f"La{NUL}Reina"}),
        client.get("/api/collections?search=a%00b", headers=auth(me)),
        client.get("/api/choreography/tasks/abc%00def", headers=auth(me)),
        client.post("/api/collections", headers=auth(me), json={"task_id": "x", "title": f"t{NUL}"}),
        client.post("/api/choreography/describe", headers=auth(me), json={"query": f"a{NUL}", **confirmed}),
        client.post("/api/class-plans", headers=auth(me), json={"title": f"Plan{NUL}"}),
        client.post("/api/choreography/generate", headers=auth(me), json={"song": song, "style": f"x{NUL}"}),
    ]
    for response in attempts:
        assert response.status_code == 422, (response.request.url, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    with session_factory() as session:
        assert session.scalars(select(ChoreographyTask)).all() == []
    assert client.get("/api/auth/me", headers=auth(me)).json()["display_name"] == "User " + email[4:].split("@")[0]


def test_ordinary_whitespace_and_unicode_are_kept(client):
    me = signed_in(client)
    reply = client.patch("/api/auth/me", headers=auth(me), json={"display_name": "Señora\tde la Bachata 💃"})
    assert reply.status_code == 200 and reply.json()["display_name"] == "Señora\tde la Bachata 💃"


class BrokenLauncher(RecordingLauncher):
    """A launcher that fails in a way nobody planned for (not a LaunchError)."""

    def launch(self, request):
        raise ValueError("embedded null byte")


def test_any_launch_failure_fails_its_row_in_the_same_request(settings, session_factory, clock, song):
    app = create_app(settings, session_factory=session_factory, clock=clock, launcher=BrokenLauncher())
    with TestClient(app, raise_server_exceptions=False) as client:
        me = signed_in(client)
        for _ in range(settings.max_running_renders + 1):  # phantom rows once filled the caps: "studio is busy"
            reply = client.post("/api/choreography/generate", headers=auth(me), json={"song": song})
            assert reply.status_code == 503, reply.text
    with session_factory() as session:
        rows = session.scalars(select(ChoreographyTask)).all()
    assert len(rows) == settings.max_running_renders + 1
    assert {(row.status, row.message) for row in rows} == {("failed", "Could not start the render")}
    assert all(row.error.startswith("ValueError") for row in rows)


@pytest.mark.parametrize("field", ["title", "description", "difficulty_level", "instructor_notes"])
def test_nulling_a_class_plan_field_is_a_validation_error(client, session_factory, field):
    from tests.test_collections_and_plans import make_instructor

    teacher = make_instructor(session_factory, signed_in(client))
    plan = client.post("/api/class-plans", headers=auth(teacher), json={"title": "Week 1"}).json()
    reply = client.patch(f"/api/class-plans/{plan['id']}", headers=auth(teacher), json={field: None})
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["field"] == field
    assert client.get(f"/api/class-plans/{plan['id']}", headers=auth(teacher)).json()["title"] == "Week 1"
    cleared = client.patch(f"/api/class-plans/{plan['id']}", headers=auth(teacher), json={"estimated_duration": None})
    assert cleared.status_code == 200  # the one nullable column may still be cleared


def test_upload_titles_lose_control_and_direction_characters(client, tmp_path):
    me = signed_in(client)
    song = make_song(tmp_path / "song.wav", bpm=124, duration=31).path
    name = "evil\u202egnp.exe\u200b mix.wav"  # U+202E shows the rest reversed; U+200B is invisible
    with song.open("rb") as handle:
        reply = client.post("/api/songs", headers=auth(me), files={"file": (name, handle)})
    assert reply.status_code == 201, reply.text
    assert reply.json()["title"] == "evilgnp.exe mix"
    assert client.get("/api/songs", headers=auth(me)).json()["songs"][0]["title"] == "evilgnp.exe mix"
