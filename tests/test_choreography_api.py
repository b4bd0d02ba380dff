"""Generate, describe, poll, cancel and reap, with a launcher that records instead of rendering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bachata_common.db import ChoreographyTask
from job_launcher.base import ExecutionState
from ray_pipeline.synthetic import make_song
from tests.support.api import auth, signed_in
from tests.support.launchers import RecordingLauncher


@pytest.fixture
def song(settings) -> str:
    make_song(settings.media_root / "songs" / "Romeo_Propuesta.wav", bpm=128, duration=35)
    return "songs/Romeo_Propuesta.wav"


def generate(client, pair, song, **extra):
    return client.post("/api/choreography/generate", headers=auth(pair), json={"song": song, **extra})


def task_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(ChoreographyTask))


def test_generate_creates_a_complete_row_then_launches(client, song, launcher, session_factory, clock):
    me = signed_in(client)
    response = generate(client, me, song, difficulty="beginner", energy_level="low", style="romantic")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "started" and body["poll_url"] == f"/api/choreography/tasks/{body['task_id']}"
    with session_factory() as session:
        row = session.get(ChoreographyTask, body["task_id"])
    assert (row.status, row.progress, row.stage, row.message) == (
        "started",
        0,
        "initializing",
        "Starting choreography generation...",
    )
    assert (row.result, row.error, row.created_at, row.updated_at) == (None, None, clock.now, clock.now)
    assert row.job_execution_name == f"recorded-{body['task_id']}"
    [launch] = launcher.launched
    assert launch.environment() == {
        "TASK_ID": body["task_id"],
        "USER_ID": str(me["user"]["id"]),
        "AUDIO_INPUT": song,
        "DIFFICULTY": "beginner",
        "ENERGY_LEVEL": "low",
        "STYLE": "romantic",
        "ORIGINAL_QUERY": "",
    }


@pytest.mark.parametrize(("orientation", "size"), [("portrait", "720x1280"), ("landscape", "1280x720")])
def test_the_dancer_chooses_a_portrait_or_landscape_video(client, song, launcher, orientation, size):
    me = signed_in(client)
    assert generate(client, me, song, orientation=orientation).status_code == 202
    [launch] = launcher.launched
    assert launch.environment()["RENDER_SIZE"] == size  # the server's 1280x720 turned as asked


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"orientation": "diagonal"}, 422),
        ({"difficulty": "expert"}, 422),
        ({"song": "songs/nope.mp3"}, 404),
        ({"song": "../../etc/passwd"}, 404),
        ({"style": "robotic"}, 422),
        ({"song": ""}, 422),
    ],
)
def test_generate_validates_before_creating_anything(client, song, launcher, session_factory, body, status):
    me = signed_in(client)
    response = client.post("/api/choreography/generate", headers=auth(me), json={"song": song, **body})
    assert response.status_code == status, response.text
    assert task_count(session_factory) == 0 and launcher.launched == []


def test_another_users_upload_cannot_be_used(client, settings, launcher, session_factory, tmp_path):
    owner, other = signed_in(client), signed_in(client)
    make_song(tmp_path / "mine.wav", bpm=126, duration=31)
    with open(tmp_path / "mine.wav", "rb") as handle:
        song_id = client.post("/api/songs", headers=auth(owner), files={"file": ("mine.wav", handle)}).json()["id"]
    assert generate(client, other, song_id).status_code == 404
    assert generate(client, owner, song_id).status_code == 202


def test_per_user_and_global_caps_answer_429_with_retry_after(client, song, settings):
    settings.max_running_renders_per_user, settings.max_running_renders = 2, 3
    first, second = signed_in(client), signed_in(client)
    assert [generate(client, first, song).status_code for _ in range(2)] == [202, 202]
    refused = generate(client, first, song)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert refused.json()["error"]["code"] == "too_many_renders"
    assert generate(client, second, song).status_code == 202
    busy = generate(client, second, song)
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "60"


def test_finished_or_silent_renders_free_their_slot(client, song, settings, session_factory, clock):
    settings.max_running_renders_per_user = 1
    me = signed_in(client)
    task_id = generate(client, me, song).json()["task_id"]
    assert generate(client, me, song).status_code == 429
    with session_factory() as session:
        session.execute(update(ChoreographyTask).where(ChoreographyTask.task_id == task_id).values(status="completed"))
        session.commit()
    assert generate(client, me, song).status_code == 202


def test_a_failed_launch_marks_the_row_failed_and_answers_503(client, song, launcher, session_factory):
    launcher.fail_with = "Cloud Run quota exceeded"
    me = signed_in(client)
    response = generate(client, me, song)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    with session_factory() as session:
        row = session.scalars(select(ChoreographyTask)).one()
    assert (row.status, row.stage, row.progress) == ("failed", "failed", 0)
    assert "Cloud Run quota exceeded" in row.error


def test_task_status_shape_is_the_originals_plus_updated_at(client, song, clock):
    me = signed_in(client)
    task_id = generate(client, me, song).json()["task_id"]
    body = client.get(f"/api/choreography/tasks/{task_id}", headers=auth(me)).json()
    assert body == {
        "task_id": task_id,
        "status": "started",
        "progress": 0,
        "stage": "initializing",
        "message": "Starting choreography generation...",
        "result": None,
        "error": None,
        "created_at": clock.now.timestamp(),
        "updated_at": clock.now.timestamp(),
    }


def test_other_users_tasks_are_404(client, song):
    owner, other = signed_in(client), signed_in(client)
    task_id = generate(client, owner, song).json()["task_id"]
    for method, path in [
        ("get", f"/api/choreography/tasks/{task_id}"),
        ("post", f"/api/choreography/tasks/{task_id}/cancel"),
    ]:
        response = getattr(client, method)(path, headers=auth(other))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get("/api/choreography/tasks/not-a-task", headers=auth(owner)).status_code == 404


def test_task_list_is_paginated_newest_first(client, song, settings, clock):
    settings.max_running_renders_per_user = settings.max_running_renders = 100
    me = signed_in(client)
    ids = []
    for _ in range(5):
        ids.append(generate(client, me, song).json()["task_id"])
        clock.advance(seconds=1)
    first = client.get("/api/choreography/tasks?page_size=2", headers=auth(me)).json()
    assert [t["task_id"] for t in first["items"]] == ids[::-1][:2]
    assert first["total"] == 5 and first["previous"] is None
    last = client.get(first["next"].replace("page=2", "page=3"), headers=auth(me)).json()
    assert [t["task_id"] for t in last["items"]] == [ids[0]] and last["next"] is None
    assert client.get("/api/choreography/tasks?page_size=500", headers=auth(me)).status_code == 422


def test_cancel_stops_the_execution_and_marks_the_row(client, song, launcher):
    me = signed_in(client)
    task_id = generate(client, me, song).json()["task_id"]
    response = client.post(f"/api/choreography/tasks/{task_id}/cancel", headers=auth(me))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["message"]) == ("failed", "Cancelled")
    assert launcher.cancelled == [f"recorded-{task_id}"]
    again = client.post(f"/api/choreography/tasks/{task_id}/cancel", headers=auth(me))
    assert again.status_code == 409


def test_describe_uses_keywords_offline(client):
    me = signed_in(client)
    response = client.post(
        "/api/choreography/describe",
        headers=auth(me),
        json={"query": "A slow, romantic beginner dance with a cross body lead and a dip"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "parameters": {
            "difficulty": "beginner",
            "energy_level": "medium",
            "style": "romantic",
            "tempo": "slow",
            "specific_moves": ["cross body lead", "dip"],
        },
        "source": "keywords",
        "understood": [
            "beginner difficulty",
            "romantic style",
            "slow: the video starts at 0.75x speed (the moves keep the song's beat)",
        ],
        "not_used": [
            "cross body lead: we cannot ask for a particular move yet",
            "dip: we cannot ask for a particular move yet",
        ],
        "task": None,
    }


@pytest.mark.parametrize(
    ("query", "understood", "not_used"),
    [
        # Sensual is a style and slow a tempo wish; neither falls on the floor.
        (
            "something sensual and slow",
            ["sensual style", "slow: the video starts at 0.75x speed (the moves keep the song's beat)"],
            [],
        ),
        # Spanish a dancer types, and words nobody could act on, said back rather than dropped.
        ("baile romántico para principiantes", ["beginner difficulty", "romantic style"], []),
        ("ein langsamer Tanz bitte", [], ["ein", "langsamer", "tanz", "bitte"]),
        (
            "fast advanced with a hammerlock and zumba",
            ["advanced difficulty"],
            [
                "fast: the moves follow your song's own tempo; choose a faster song",
                "hammerlock: we cannot ask for a particular move yet",
                "zumba",
            ],
        ),
    ],
)
def test_describe_says_what_it_understood_and_what_it_could_not_use(client, query, understood, not_used):
    body = client.post("/api/choreography/describe", headers=auth(signed_in(client)), json={"query": query}).json()
    assert (body["understood"], body["not_used"]) == (understood, not_used)


def _app_with_gemini(settings, session_factory, clock, launcher, gemini):
    from fastapi.testclient import TestClient

    from api.main import create_app

    return TestClient(
        create_app(settings, session_factory=session_factory, clock=clock, launcher=launcher, gemini=gemini)
    )


def test_describe_with_gemini_and_its_fallback(settings, session_factory, clock, launcher):
    prompts = []

    def fake_gemini(prompt: str) -> str:
        prompts.append(prompt)
        return (
            '{"difficulty": "advanced", "energy_level": "high", "style": "sensual", "tempo": "fast", '
            '"specific_moves": ["hammerlock"]}'
        )

    with _app_with_gemini(settings, session_factory, clock, launcher, fake_gemini) as client:
        me = signed_in(client)
        body = client.post("/api/choreography/describe", headers=auth(me), json={"query": "show me fire"}).json()
    assert body["source"] == "gemini" and body["parameters"]["difficulty"] == "advanced"
    assert "show me fire" in prompts[0]

    def broken_gemini(prompt: str) -> str:
        return "I'd be happy to help! Here are some ideas..."

    with _app_with_gemini(settings, session_factory, clock, launcher, broken_gemini) as client:
        me = signed_in(client)
        body = client.post("/api/choreography/describe", headers=auth(me), json={"query": "an easy dance"}).json()
    assert body["source"] == "keywords" and body["parameters"]["difficulty"] == "beginner"


def test_describe_confirmed_generates_with_the_query(client, song, launcher):
    me = signed_in(client)
    query = "a playful intermediate dance"
    assert (
        client.post(
            "/api/choreography/describe", headers=auth(me), json={"query": query, "confirmed": True}
        ).status_code
        == 422
    )
    response = client.post(
        "/api/choreography/describe", headers=auth(me), json={"query": query, "confirmed": True, "song": song}
    )
    assert response.status_code == 200
    assert response.json()["task"]["status"] == "started"
    [launch] = launcher.launched
    assert (launch.style, launch.difficulty, launch.original_query) == ("playful", "intermediate", query)


def test_reaper_fails_silent_and_dead_renders_only(client, song, launcher, session_factory, clock, settings):
    from api.choreography.service import reap

    settings.max_running_renders_per_user = settings.max_running_renders = 10
    me = signed_in(client)
    ids = [generate(client, me, song).json()["task_id"] for _ in range(4)]
    silent, dead, healthy, done = ids
    with session_factory() as session:
        session.execute(
            update(ChoreographyTask)
            .where(ChoreographyTask.task_id.in_([silent, healthy, dead]))
            .values(status="running")
        )
        session.execute(
            update(ChoreographyTask)
            .where(ChoreographyTask.task_id == silent)
            .values(updated_at=clock.now - timedelta(seconds=settings.stale_task_seconds + 1))
        )
        session.execute(update(ChoreographyTask).where(ChoreographyTask.task_id == done).values(status="completed"))
        session.commit()
        launcher.states[f"recorded-{dead}"] = ExecutionState.FAILED
        assert len(reap(session=session, launcher=launcher, settings=settings, now=clock.now)) == 2
        session.commit()
        states = {t.task_id: (t.status, t.message) for t in session.scalars(select(ChoreographyTask))}
    assert states[silent] == ("failed", "The render stopped responding; please generate again")
    assert states[dead] == ("failed", "The render stopped unexpectedly; please generate again")
    assert states[healthy][0] == "running" and states[done][0] == "completed"


def test_reaper_leaves_the_original_apps_renders_to_the_original(client, session_factory, clock, settings):
    """Issue 14: our reaper failed the original's own renders, which go quiet for minutes between updates."""
    from api.choreography.service import reap

    me = signed_in(client)
    long_ago = clock.now - timedelta(hours=1)
    with session_factory() as session:
        originals = [ChoreographyTask(user_id=me["user"]["id"], status=status, progress=70, created_at=long_ago,
                                      updated_at=long_ago) for status in ("running", "started")]  # fmt: skip
        session.add_all(originals)
        session.commit()
        assert reap(session=session, launcher=RecordingLauncher(), settings=settings, now=clock.now) == []
        session.commit()
        assert [session.get(ChoreographyTask, row.task_id).status for row in originals] == ["running", "started"]


def test_reaper_endpoint_is_staff_only(client, session_factory):
    me = signed_in(client)
    assert client.post("/api/choreography/reap", headers=auth(me)).status_code == 403
