"""The original app's database: our migrations, mapping and logins against a real PostgreSQL 15 dump."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select

from api.main import create_app
from bachata_common.db import (
    LEGACY_TABLES,
    ChoreographyTask,
    ClassPlan,
    ClassPlanSequence,
    SavedChoreography,
    User,
)
from bachata_common.db.bootstrap import VERSION_TABLE, prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import Settings
from tests.conftest import TEST_SECRET, rolled_back_sessions
from tests.support.schema import schema_diff

pytestmark = pytest.mark.postgres
ORIGINAL_TABLES = sorted(LEGACY_TABLES)


@pytest.fixture(scope="module")
def legacy(postgres, shared_dir):
    """The original's dump loaded, dumped, migrated by us, dumped again."""
    url = postgres.create_database("legacy")
    postgres.psql("legacy", "-f", str(shared_dir / "legacy" / "original_db.sql"))
    original_columns = {table: postgres.columns("legacy", table) for table in ORIGINAL_TABLES}
    before = postgres.snapshot("legacy", original_columns)
    engine = create_db_engine(url)
    prepare_database(engine)
    prepare_database(engine)  # a second start finds nothing to do
    after = postgres.snapshot("legacy", original_columns)
    yield {"engine": engine, "before": before, "after": after}
    engine.dispose()


@pytest.fixture(scope="module")
def legacy_engine(legacy) -> Engine:
    return legacy["engine"]


def test_original_rows_are_unchanged_by_our_migrations(legacy):
    row_counts = {table: len(rows.splitlines()) for table, rows in legacy["before"].items()}
    assert row_counts == {
        "users": 5,
        "choreography_tasks": 5,
        "saved_choreographies": 5,
        "class_plans": 2,
        "class_plan_sequences": 2,
    }
    assert legacy["after"] == legacy["before"]


def test_migrations_add_only_our_nullable_column_and_tables(legacy_engine):
    inspector = inspect(legacy_engine)
    columns = {c["name"]: c for c in inspector.get_columns("choreography_tasks")}
    assert columns["job_execution_name"]["nullable"] is True
    assert columns["job_execution_name"]["type"].length == 500
    tables = set(inspector.get_table_names())
    assert {VERSION_TABLE, "bb_refresh_tokens"} <= tables
    assert "alembic_version" not in tables
    assert "django_migrations" in tables


def test_models_match_the_live_schema_exactly(legacy_engine):
    with legacy_engine.connect() as connection:
        assert schema_diff(connection) == []


def test_fresh_databases_get_the_same_schema(sqlite_engine, postgresql_engine):
    for engine in (sqlite_engine, postgresql_engine):
        with engine.connect() as connection:
            assert schema_diff(connection) == [], engine.url


def test_every_legacy_row_loads_through_our_models(legacy_engine):
    with rolled_back_sessions(legacy_engine) as sessions, sessions() as session:
        users = {u.email: u for u in session.scalars(select(User))}
        tasks = session.scalars(select(ChoreographyTask)).all()
        saved = session.scalars(select(SavedChoreography)).all()
        plans = session.scalars(select(ClassPlan)).all()
        sequences = session.scalars(select(ClassPlanSequence).order_by(ClassPlanSequence.sequence_order)).all()

    assert len(users) == 5 and len(tasks) == 5 and len(saved) == 5 and len(plans) == 2 and len(sequences) == 2
    maria = users["maria@example.com"]
    assert (maria.id, maria.username, maria.display_name) == (1, "maria@example.com", "María G.")
    assert maria.preferences == {"auto_save_choreographies": True}
    assert users["jon@example.com"].preferences == {"auto_save_choreographies": False}
    assert users["ana.instructor@example.com"].is_instructor
    assert not users["gone@example.com"].is_active
    assert users["sso-only@example.com"].password.startswith("!")
    assert all(u.date_joined.tzinfo is not None for u in users.values())

    by_status = {t.status: t for t in tasks if t.user_id == 1}
    assert set(by_status) == {"completed", "failed", "running"}
    assert by_status["completed"].result["video_path"] == "output/user_1/Aventura_balanced_choreography.mp4"
    assert by_status["failed"].error == "VideoGenerationError: ffmpeg exited with 1"
    assert all(t.job_execution_name is None for t in tasks)

    jon_saved = next(s for s in saved if s.user_id == 2)
    assert jon_saved.music_info is None and jon_saved.generation_parameters is None
    suegra = next(s for s in saved if s.title.startswith("Advanced"))
    assert suegra.music_info["title"] == "Suegra" and suegra.duration == pytest.approx(241.9)
    assert [s.notes for s in sequences] == ["Demo", "Practice in pairs"]
    assert {p.estimated_duration for p in plans} == {60, None}


@pytest.fixture(scope="module")
def legacy_client(legacy_engine, tmp_path_factory):
    settings = Settings(environment="test", secret_key=TEST_SECRET, var_dir=tmp_path_factory.mktemp("var"))
    with (
        rolled_back_sessions(legacy_engine) as sessions,
        TestClient(create_app(settings, session_factory=sessions)) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("maria@example.com", "salsa-bachata-42"),
        ("JON@example.com", "hunter2-bachata"),
        ("jon", "hunter2-bachata"),
        ("ana.instructor@example.com", "teach-the-basics"),
    ],
)
def test_legacy_users_log_in_with_their_passwords(legacy_client, identifier, password):
    response = legacy_client.post("/api/auth/login", json={"email": identifier, "password": password})
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    me = legacy_client.get("/api/auth/me", headers={"Authorization": f"Bearer {response.json()['access']}"})
    assert me.json()["id"] == user["id"]


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("gone@example.com", "no-longer-here"),
        ("sso-only@example.com", ""),
        ("sso-only@example.com", "!"),
        ("maria@example.com", "salsa-bachata-43"),
    ],
)
def test_inactive_unusable_and_wrong_passwords_are_refused(legacy_client, identifier, password):
    response = legacy_client.post("/api/auth/login", json={"email": identifier, "password": password or "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_schema_diff_notices_a_drifted_column(postgres):
    """The diff above is not vacuous: a retyped original column and a tightened one of ours show up."""
    engine = create_db_engine(postgres.create_database("drift"))
    try:
        prepare_database(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            connection.exec_driver_sql("ALTER TABLE users ALTER COLUMN display_name TYPE varchar(100)")
            connection.exec_driver_sql("ALTER TABLE choreography_tasks ALTER COLUMN job_execution_name SET NOT NULL")
            drift = [str(entry) for entry in schema_diff(connection)]
    finally:
        engine.dispose()
    assert len(drift) == 2
    assert any("display_name" in entry and "modify_type" in entry for entry in drift)
    assert any("job_execution_name" in entry and "modify_nullable" in entry for entry in drift)
