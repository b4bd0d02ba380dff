"""Committed users and task rows for tests where another process (the render job) reads them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from api.auth.passwords import make_password
from bachata_common.db import ChoreographyTask, SavedChoreography, User

_counter = itertools.count()


def create_user(engine: Engine, **overrides: Any) -> int:
    """An active user with a cheap password hash."""
    number = next(_counter)
    email = overrides.pop("email", f"dancer{number}-{uuid.uuid4().hex[:6]}@example.com")
    values = {
        "username": email,
        "email": email,
        "password": make_password("pw-not-used", iterations=1),
        "display_name": f"Dancer {number}",
        **overrides,
    }
    with Session(engine) as session, session.begin():
        user = User(**values)
        session.add(user)
        session.flush()
        return user.id


def create_task(engine: Engine, user_id: int, **overrides: Any) -> str:
    """A task row as the API creates it: status started, every NOT NULL column filled."""
    with Session(engine) as session, session.begin():
        task = ChoreographyTask(user_id=user_id, **overrides)
        session.add(task)
        session.flush()
        return task.task_id


def read_task(engine: Engine, task_id: str) -> ChoreographyTask:
    with Session(engine) as session:
        return session.scalars(select(ChoreographyTask).where(ChoreographyTask.task_id == task_id)).one()


def saved_row(engine: Engine, saved_id: str) -> SavedChoreography:
    with Session(engine) as session:
        return session.get(SavedChoreography, uuid.UUID(saved_id))


def completed_task(session_factory, user_id: int, now, **result) -> str:
    """A finished task whose result points at output/user_<id>/<task_id>.mp4 (plus any result keys given)."""
    with session_factory() as session:
        task = ChoreographyTask(
            user_id=user_id, status="completed", stage="completed", progress=100, created_at=now, updated_at=now
        )
        session.add(task)
        session.flush()
        task.result = {"video_path": f"output/user_{user_id}/{task.task_id}.mp4", **result}
        session.commit()
        return task.task_id


@contextmanager
def recorded_updates(engine: Engine) -> Iterator[Callable[[str], list[tuple[str, str, int]]]]:
    """Every (status, stage, progress) written to a task row while the block runs, as PostgreSQL saw them.

    A trigger keeps each one: polling the row misses a stage that now passes in milliseconds.
    """
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE TABLE test_task_updates (id serial PRIMARY KEY, task_id text, status text, stage text, "
            "progress integer)"
        ))  # fmt: skip
        connection.execute(text(
            "CREATE FUNCTION test_record_update() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_task_updates (task_id, status, stage, progress) "
            "VALUES (NEW.task_id::text, NEW.status, NEW.stage, NEW.progress); RETURN NEW; END $$ LANGUAGE plpgsql"
        ))  # fmt: skip
        connection.execute(text(
            "CREATE TRIGGER test_task_updates AFTER UPDATE ON choreography_tasks "
            "FOR EACH ROW EXECUTE FUNCTION test_record_update()"
        ))  # fmt: skip

    def updates(task_id: str) -> list[tuple[str, str, int]]:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT status, stage, progress FROM test_task_updates WHERE task_id = :task ORDER BY id"),
                {"task": task_id},
            )
            return [tuple(row) for row in rows]

    try:
        yield updates
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER test_task_updates ON choreography_tasks"))
            connection.execute(text("DROP FUNCTION test_record_update()"))
            connection.execute(text("DROP TABLE test_task_updates"))
