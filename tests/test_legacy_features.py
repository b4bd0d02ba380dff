"""Collections and class plans over the original app's own rows (PostgreSQL loaded from its dump)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import service as auth_service
from api.main import create_app
from bachata_common.db import ClassPlan, ClassPlanSequence, SavedChoreography, User
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.vocabulary import DIFFICULTIES
from tests.conftest import rolled_back_sessions
from tests.support.api import auth
from tests.support.launchers import RecordingLauncher

pytestmark = pytest.mark.postgres
MARIA, JON, ANA = 1, 2, 3
ANA_PLAN = uuid.UUID("13709ee6-fe36-49b8-ba6e-7262afdd5fc6")


@pytest.fixture(scope="module")
def legacy_engine(postgres, shared_dir):
    postgres.create_database("legacy_features")
    postgres.psql("legacy_features", "-f", str(shared_dir / "legacy" / "original_db.sql"))
    engine = create_db_engine(postgres.url("legacy_features"))
    prepare_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def legacy(legacy_engine, settings, clock):
    """A client over the original's rows, each test in its own rolled-back transaction; tokens minted directly
    (logging in with the real 1M-iteration hashes is tested in test_legacy_database)."""
    with rolled_back_sessions(legacy_engine) as sessions:
        app = create_app(settings, session_factory=sessions, clock=clock, launcher=RecordingLauncher())
        with TestClient(app) as client:

            def token(user_id: int) -> dict:
                with sessions() as session:
                    user = session.get(User, user_id)
                    pair = auth_service.issue_tokens(session=session, user=user, settings=settings, now=clock())
                    session.commit()
                return {"access": pair.access}

            yield client, sessions, token


def test_marias_saved_rows_list_with_their_fields(legacy):
    client, _, token = legacy
    body = client.get("/api/collections?sort=title", headers=auth(token(MARIA))).json()
    assert body["total"] == 3
    rows = {item["title"]: item for item in body["items"]}
    assert set(rows) == {"Auto-saved Choreography", "Sunday social warm-up", "Advanced ✨ sensual combo"}
    auto = rows["Auto-saved Choreography"]
    assert (auto["difficulty"], auto["duration"], auto["task_id"]) == (
        "intermediate",
        213.4,
        "43d3ad07-e85b-4e46-8a45-abbef9763447",
    )
    assert auto["video_path"] == "output/user_1/Aventura_balanced_choreography.mp4"
    assert rows["Sunday social warm-up"]["music_info"] == {} and rows["Sunday social warm-up"]["task_id"] is None
    assert rows["Advanced ✨ sensual combo"]["music_info"]["artist"] == "Romeo Santos"


@pytest.mark.parametrize("term", ["suegra", "SUEGRA", "Romeo"])
def test_search_looks_in_title_and_music_info(legacy, term):
    client, _, token = legacy
    body = client.get(f"/api/collections?search={term}", headers=auth(token(MARIA))).json()
    assert [item["title"] for item in body["items"]] == ["Advanced ✨ sensual combo"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Advanced", "Auto-saved", "Sunday"]),
        ("-title", ["Sunday", "Auto-saved", "Advanced"]),
        ("duration", ["Sunday", "Auto-saved", "Advanced"]),
        ("-duration", ["Advanced", "Auto-saved", "Sunday"]),
        # Level order, as a dancer reads it: beginner, intermediate, advanced.
        ("difficulty", ["Sunday", "Auto-saved", "Advanced"]),
        ("-difficulty", ["Advanced", "Auto-saved", "Sunday"]),
        ("created_at", ["Auto-saved", "Sunday", "Advanced"]),
        ("-created_at", ["Advanced", "Sunday", "Auto-saved"]),
    ],
)
def test_every_sort_order(legacy, sort, expected):
    client, _, token = legacy
    items = client.get(f"/api/collections?sort={sort}", headers=auth(token(MARIA))).json()["items"]
    assert [item["title"].split()[0] for item in items] == expected


def test_pagination_over_45_rows(legacy, clock):
    client, sessions, token = legacy
    with sessions() as session:
        for index in range(42):
            session.add(
                SavedChoreography(
                    user_id=MARIA,
                    title=f"Extra {index:02d}",
                    video_path="output/user_1/x.mp4",
                    difficulty="beginner",
                    duration=60.0,
                    created_at=clock.now + timedelta(seconds=index),
                )
            )
        session.commit()
    headers = auth(token(MARIA))
    first = client.get("/api/collections?sort=title", headers=headers).json()
    assert (first["total"], len(first["items"]), first["previous"]) == (45, 20, None)
    third = client.get(first["next"].replace("page=2", "page=3"), headers=headers).json()
    assert len(third["items"]) == 5 and third["next"] is None
    seen = {
        item["id"]
        for page in (1, 2, 3)
        for item in client.get(f"/api/collections?sort=title&page={page}", headers=headers).json()["items"]
    }
    assert len(seen) == 45


def test_jons_row_with_null_json_fields_works(legacy):
    client, _, token = legacy
    headers = auth(token(JON))
    [item] = client.get("/api/collections", headers=headers).json()["items"]
    assert (item["title"], item["music_info"], item["generation_parameters"], item["task_id"]) == (
        "jon's first",
        None,
        None,
        None,
    )
    patched = client.patch(f"/api/collections/{item['id']}", headers=headers, json={"title": "jon's best"})
    assert patched.status_code == 200 and patched.json()["title"] == "jon's best"
    assert client.get("/api/collections?search=del", headers=headers).json()["total"] == 0
    stats = client.get("/api/collections/stats", headers=headers).json()
    assert stats == {
        "total_count": 1,
        "total_duration": 199.5,
        "avg_duration": 199.5,
        "beginner_count": 0,
        "intermediate_count": 1,
        "advanced_count": 0,
    }


def test_marias_stats(legacy):
    client, _, token = legacy
    assert client.get("/api/collections/stats", headers=auth(token(MARIA))).json() == {
        "total_count": 3,
        "total_duration": 642.3,
        "avg_duration": 214.1,
        "beginner_count": 1,
        "intermediate_count": 1,
        "advanced_count": 1,
    }


def test_delete_all_with_a_wrong_count_deletes_nothing(legacy):
    client, sessions, token = legacy
    response = client.post("/api/collections/delete-all", headers=auth(token(MARIA)), json={"confirm_count": 5})
    assert response.status_code == 409
    with sessions() as session:
        assert len(session.scalars(select(SavedChoreography).where(SavedChoreography.user_id == MARIA)).all()) == 3


def test_anas_plans_reorder_duplicate_and_refusals(legacy):
    client, sessions, token = legacy
    ana = auth(token(ANA))
    plans = client.get("/api/class-plans", headers=ana).json()
    assert {p["title"] for p in plans} == {"Beginner week 1", "Empty plan"}
    plan = client.get(f"/api/class-plans/{ANA_PLAN}", headers=ana).json()
    first, second = plan["sequences"]
    assert (first["notes"], second["notes"]) == ("Demo", "Practice in pairs")
    swapped = client.post(
        f"/api/class-plans/{ANA_PLAN}/reorder", headers=ana, json={"sequence_ids": [second["id"], first["id"]]}
    )
    assert swapped.status_code == 200, swapped.text
    assert [(s["notes"], s["sequence_order"]) for s in swapped.json()["sequences"]] == [
        ("Practice in pairs", 1),
        ("Demo", 2),
    ]
    copy = client.post(f"/api/class-plans/{ANA_PLAN}/duplicate", headers=ana, json={"include_sequences": True})
    assert copy.status_code == 201 and [s["notes"] for s in copy.json()["sequences"]] == ["Practice in pairs", "Demo"]

    assert client.get("/api/class-plans", headers=auth(token(MARIA))).status_code == 403
    with sessions() as session:
        rival = User(
            username="rival@example.com",
            email="rival@example.com",
            password="!",
            is_instructor=True,
            display_name="Rival",
        )
        session.add(rival)
        session.commit()
        rival_id = rival.id
    assert client.get(f"/api/class-plans/{ANA_PLAN}", headers=auth(token(rival_id))).status_code == 404


def test_rows_we_write_stay_acceptable_to_the_original(legacy, clock):
    client, sessions, token = legacy
    ana, maria = auth(token(ANA)), auth(token(MARIA))
    new_plan = client.post("/api/class-plans", headers=ana, json={"title": "Week 3"}).json()
    saved_id = client.get("/api/collections", headers=auth(token(ANA))).json()["items"][0]["id"]
    client.post(f"/api/class-plans/{new_plan['id']}/sequences", headers=ana, json={"choreography_id": saved_id})
    client.patch(f"/api/class-plans/{ANA_PLAN}", headers=ana, json={"estimated_duration": 75})
    maria_item = client.get("/api/collections", headers=maria).json()["items"][0]
    client.patch(f"/api/collections/{maria_item['id']}", headers=maria, json={"difficulty": "advanced"})
    patched = client.patch(
        "/api/auth/me",
        headers=maria,
        json={"display_name": "María", "preferences": {"auto_save_choreographies": False}},
    )
    assert patched.status_code == 200, patched.text
    with sessions() as session:
        for plan in session.scalars(select(ClassPlan)):
            assert plan.difficulty_level in DIFFICULTIES
            assert isinstance(plan.description, str) and isinstance(plan.instructor_notes, str)
            assert plan.created_at.tzinfo and plan.updated_at.tzinfo
            assert plan.estimated_duration is None or isinstance(plan.estimated_duration, int)
        for sequence in session.scalars(select(ClassPlanSequence)):
            assert isinstance(sequence.notes, str) and sequence.sequence_order >= 1
        for saved in session.scalars(select(SavedChoreography)):
            assert saved.difficulty in DIFFICULTIES and isinstance(saved.duration, float)
        maria_row = session.get(User, MARIA)
        assert maria_row.preferences["auto_save_choreographies"] is False
        assert maria_row.display_name == "María"
