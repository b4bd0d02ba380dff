"""Collections and class plans on SQLite and PostgreSQL: ownership, saving from tasks, plans and sequences."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bachata_common.db import ChoreographyTask, ClassPlanSequence, SavedChoreography, User
from tests.support.api import auth, signed_in
from tests.support.rows import completed_task as finished_task


def completed_task(session_factory, user_id: int, clock, *, difficulty="beginner") -> str:
    return finished_task(
        session_factory,
        user_id,
        clock.now,
        sequence_duration=61.5,
        tempo=128.4,
        parameters={"difficulty": difficulty, "style": "romantic"},
    )


def make_instructor(session_factory, pair) -> dict:
    with session_factory() as session:
        session.get(User, pair["user"]["id"]).is_instructor = True
        session.commit()
    return pair


def test_save_from_a_finished_task_once(client, session_factory, clock):
    me = signed_in(client)
    task_id = completed_task(session_factory, me["user"]["id"], clock)
    response = client.post("/api/collections", headers=auth(me), json={"task_id": task_id, "title": "  My first  "})
    assert response.status_code == 201, response.text
    saved = response.json()
    assert (saved["title"], saved["difficulty"], saved["duration"], saved["task_id"]) == (
        "My first",
        "beginner",
        61.5,
        task_id,
    )
    assert saved["video_url"] == f"/api/videos/{saved['id']}"
    again = client.post("/api/collections", headers=auth(me), json={"task_id": task_id, "title": "again"})
    assert again.status_code == 409
    assert client.get("/api/collections", headers=auth(me)).json()["total"] == 1


def test_a_manual_save_records_its_song_so_a_search_by_song_finds_it(client, session_factory, clock):
    me = signed_in(client)
    client.app.state.storage.put_json("meta/songs/Romeo_Propuesta.wav.json", {"title": "Propuesta Indecente"})
    task_id = finished_task(
        session_factory,
        me["user"]["id"],
        clock.now,
        sequence_duration=61.5,
        tempo=127.6,
        parameters={"difficulty": "beginner", "song": "songs/Romeo_Propuesta.wav"},
    )
    client.post("/api/collections", headers=auth(me), json={"task_id": task_id, "title": "Tuesday class"})
    found = client.get("/api/collections?search=propuesta", headers=auth(me)).json()
    assert [item["title"] for item in found["items"]] == ["Tuesday class"]
    with session_factory() as session:
        saved = session.scalars(select(SavedChoreography)).one()
        assert saved.music_info == {
            "title": "Propuesta Indecente",
            "tempo": 127.6,
            "bpm": 128,
            "source": "songs/Romeo_Propuesta.wav",
        }
    assert client.get("/api/collections?search=bolero", headers=auth(me)).json()["total"] == 0


def test_unfinished_and_foreign_tasks_cannot_be_saved(client, session_factory, clock):
    me, other = signed_in(client), signed_in(client)
    with session_factory() as session:
        running = ChoreographyTask(
            user_id=me["user"]["id"], status="running", created_at=clock.now, updated_at=clock.now
        )
        session.add(running)
        session.commit()
        running_id = running.task_id
    assert (
        client.post("/api/collections", headers=auth(me), json={"task_id": running_id, "title": "x"}).status_code == 409
    )
    theirs = completed_task(session_factory, other["user"]["id"], clock)
    assert client.post("/api/collections", headers=auth(me), json={"task_id": theirs, "title": "x"}).status_code == 404


def test_edit_get_delete_and_cross_user_404(client, session_factory, clock):
    me, other = signed_in(client), signed_in(client)
    task_id = completed_task(session_factory, me["user"]["id"], clock)
    saved_id = client.post("/api/collections", headers=auth(me), json={"task_id": task_id, "title": "t"}).json()["id"]
    patched = client.patch(
        f"/api/collections/{saved_id}", headers=auth(me), json={"title": "Renamed", "difficulty": "advanced"}
    )
    assert patched.json()["title"] == "Renamed" and patched.json()["difficulty"] == "advanced"
    assert client.patch(f"/api/collections/{saved_id}", headers=auth(me), json={"difficulty": "pro"}).status_code == 422
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"title": "mine now"}} if method == "patch" else {}
        response = getattr(client, method)(f"/api/collections/{saved_id}", headers=auth(other), **kwargs)
        assert response.status_code == 404, method
    assert client.get(f"/api/collections/{uuid.uuid4()}", headers=auth(me)).status_code == 404
    assert client.delete(f"/api/collections/{saved_id}", headers=auth(me)).status_code == 204
    assert client.get(f"/api/collections/{saved_id}", headers=auth(me)).status_code == 404


def test_a_video_file_goes_only_with_the_last_row_using_it(client, session_factory, settings, clock):
    me = signed_in(client)
    user_id = me["user"]["id"]
    folder = settings.media_root / "output" / f"user_{user_id}"
    folder.mkdir(parents=True)
    (folder / "shared.mp4").write_bytes(b"video")
    (folder / "shared.vtt").write_text("WEBVTT")
    ids = []
    with session_factory() as session:
        for path in ("output/user_{}/shared.mp4", "/srv/bachata_buddy/data/output/user_{}/shared.mp4"):
            row = SavedChoreography(
                user_id=user_id,
                title="s",
                video_path=path.format(user_id),
                difficulty="beginner",
                duration=10.0,
                created_at=clock.now,
            )
            session.add(row)
            session.flush()
            ids.append(str(row.id))
        session.commit()
    client.delete(f"/api/collections/{ids[0]}", headers=auth(me))
    assert (folder / "shared.mp4").exists()
    client.delete(f"/api/collections/{ids[1]}", headers=auth(me))
    assert not (folder / "shared.mp4").exists() and not (folder / "shared.vtt").exists()


def test_delete_all_needs_the_current_count(client, session_factory, clock):
    me = signed_in(client)
    for _ in range(3):
        task_id = completed_task(session_factory, me["user"]["id"], clock)
        client.post("/api/collections", headers=auth(me), json={"task_id": task_id, "title": "x"})
    wrong = client.post("/api/collections/delete-all", headers=auth(me), json={"confirm_count": 2})
    assert wrong.status_code == 409 and wrong.json()["error"]["details"] == {"current_count": 3}
    assert client.get("/api/collections/stats", headers=auth(me)).json()["total_count"] == 3
    right = client.post("/api/collections/delete-all", headers=auth(me), json={"confirm_count": 3})
    assert right.json() == {"deleted": 3}
    assert client.get("/api/collections/stats", headers=auth(me)).json()["total_count"] == 0


def test_class_plans_are_for_instructors_only(client, session_factory):
    dancer = signed_in(client)
    for method, path in [
        ("get", "/api/class-plans"),
        ("post", "/api/class-plans"),
        ("get", "/api/class-plans/dashboard"),
        ("get", f"/api/class-plans/{uuid.uuid4()}"),
    ]:
        kwargs = {"json": {"title": "x"}} if method == "post" else {}
        assert getattr(client, method)(path, headers=auth(dancer), **kwargs).status_code == 403, path


def test_plan_lifecycle_with_sequences(client, session_factory, clock):
    teacher = make_instructor(session_factory, signed_in(client))
    rival = make_instructor(session_factory, signed_in(client))
    saved = []
    for difficulty in ("beginner", "intermediate", "advanced"):
        task_id = completed_task(session_factory, teacher["user"]["id"], clock, difficulty=difficulty)
        saved.append(
            client.post(
                "/api/collections", headers=auth(teacher), json={"task_id": task_id, "title": f"<b>{difficulty}</b>"}
            ).json()["id"]
        )
    plan = client.post(
        "/api/class-plans",
        headers=auth(teacher),
        json={"title": "Week 2", "difficulty_level": "intermediate", "estimated_duration": 60},
    )
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["id"]
    for index, saved_id in enumerate(saved):
        response = client.post(
            f"/api/class-plans/{plan_id}/sequences",
            headers=auth(teacher),
            json={"choreography_id": saved_id, "notes": f"part {index}", "estimated_time": 10},
        )
        assert response.status_code == 201
    body = response.json()
    assert [s["sequence_order"] for s in body["sequences"]] == [1, 2, 3]
    assert client.get(f"/api/class-plans/{plan_id}/summary", headers=auth(teacher)).json() == {
        "sequence_count": 3,
        "total_time_minutes": 30,
        "choreography_seconds": 184.5,
        "difficulties": ["beginner", "intermediate", "advanced"],
        "progression": "progressive",
    }

    sequence_ids = [s["id"] for s in body["sequences"]]
    reordered = client.post(
        f"/api/class-plans/{plan_id}/reorder", headers=auth(teacher), json={"sequence_ids": sequence_ids[::-1]}
    )
    assert reordered.status_code == 200
    assert [s["id"] for s in reordered.json()["sequences"]] == sequence_ids[::-1]
    assert (
        client.get(f"/api/class-plans/{plan_id}/summary", headers=auth(teacher)).json()["progression"] == "regressive"
    )
    assert (
        client.post(
            f"/api/class-plans/{plan_id}/reorder", headers=auth(teacher), json={"sequence_ids": sequence_ids[:2]}
        ).status_code
        == 422
    )

    removed = client.delete(f"/api/class-plans/{plan_id}/sequences/{sequence_ids[1]}", headers=auth(teacher))
    assert [(s["id"], s["sequence_order"]) for s in removed.json()["sequences"]] == [
        (sequence_ids[2], 1),
        (sequence_ids[0], 2),
    ]

    copy = client.post(f"/api/class-plans/{plan_id}/duplicate", headers=auth(teacher), json={})
    assert copy.status_code == 201 and copy.json()["title"] == "Copy of Week 2"
    assert len(copy.json()["sequences"]) == 2
    bare = client.post(
        f"/api/class-plans/{plan_id}/duplicate", headers=auth(teacher), json={"include_sequences": False}
    )
    assert bare.json()["sequences"] == []

    page = client.get(f"/api/class-plans/{plan_id}/export", headers=auth(teacher))
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;advanced&lt;/b&gt;" in page.text and "<b>advanced</b>" not in page.text
    dashboard = client.get("/api/class-plans/dashboard", headers=auth(teacher)).json()
    assert dashboard["plan_count"] == 3 and dashboard["sequence_count"] == 4 and dashboard["saved_choreographies"] == 3

    for method, path in [
        ("get", f"/api/class-plans/{plan_id}"),
        ("delete", f"/api/class-plans/{plan_id}"),
        ("get", f"/api/class-plans/{plan_id}/summary"),
        ("delete", f"/api/class-plans/{plan_id}/sequences/{sequence_ids[0]}"),
    ]:
        assert getattr(client, method)(path, headers=auth(rival)).status_code == 404, path
    foreign = client.post(
        f"/api/class-plans/{plan_id}/sequences", headers=auth(teacher), json={"choreography_id": str(uuid.uuid4())}
    )
    assert foreign.status_code == 404

    assert client.delete(f"/api/class-plans/{plan_id}", headers=auth(teacher)).status_code == 204
    with session_factory() as session:
        left = session.scalars(select(ClassPlanSequence.class_plan_id)).all()
    assert uuid.UUID(plan_id) not in left


def test_a_printed_plan_lists_each_sequences_moves_and_video_and_its_lengths_agree(client, session_factory, clock):
    teacher = make_instructor(session_factory, signed_in(client))
    segments = [{"move": "Basic step"}, {"move": "Cross body lead"}, {"move": "Sensual basic with head roll"}]
    task_id = finished_task(
        session_factory, teacher["user"]["id"], clock.now, sequence_duration=125.4, tempo=128.0, segments=segments
    )
    saved_id = client.post("/api/collections", headers=auth(teacher), json={"task_id": task_id, "title": "Combo"})
    saved_id = saved_id.json()["id"]
    plan_id = client.post(
        "/api/class-plans", headers=auth(teacher), json={"title": "Week 3", "estimated_duration": 60}
    ).json()["id"]
    for minutes in (10, 15):
        client.post(
            f"/api/class-plans/{plan_id}/sequences",
            headers=auth(teacher),
            json={"choreography_id": saved_id, "estimated_time": minutes},
        )
    page = client.get(f"/api/class-plans/{plan_id}/export", headers=auth(teacher)).text
    assert page.count("Basic step → Cross body lead → Sensual basic with head roll") == 2
    assert page.count(f'href="http://testserver/collection/{saved_id}"') == 2
    # The header sums what is listed (twice 2:05 of video, 10 + 15 min of practice) and names the plan's own length.
    assert "2 sequences · 25 min of practice · 4:11 of video · planned class 60 min" in page
