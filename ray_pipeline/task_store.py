"""The render job's writes to its ``choreography_tasks`` row; only the driver process writes."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Engine, and_, insert, not_, select, update
from sqlalchemy.exc import SQLAlchemyError

from bachata_common.db import ChoreographyTask, SavedChoreography, User, utcnow
from bachata_common.db.legacy import CANCELLED_MESSAGE
from ray_pipeline.errors import TransientFault

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0  # the API's reaper treats a row silent for much longer than this as dead

_task = ChoreographyTask.__table__
_saved = SavedChoreography.__table__
_users = User.__table__
# Rows we may still write to: not completed, and not stopped on purpose. A row the original app's
# stuck-task sweeper marked failed mid-render is resumed: the render is alive and will finish.
_WRITABLE = and_(
    _task.c.status != "completed",
    not_(and_(_task.c.status == "failed", _task.c.message == CANCELLED_MESSAGE)),
)


class Claim(Enum):
    CLAIMED = "claimed"
    ALREADY_DONE = "already done"
    NOT_FOUND = "not found"


class TaskStore:
    """Claim, progress, heartbeat and the final state of one task row."""

    def __init__(self, engine: Engine, *, task_id: str, user_id: int, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.task_id = task_id
        self.user_id = user_id
        self.clock = clock
        self._lock = threading.Lock()  # the heartbeat thread and the driver share the engine

    def _where(self):
        return and_(_task.c.task_id == self.task_id, _task.c.user_id == self.user_id)

    def _update(self, values: dict[str, Any], *, only_writable: bool = True) -> int:
        statement = update(_task).where(self._where())
        if only_writable:
            statement = statement.where(_WRITABLE)
        try:
            with self._lock, self.engine.begin() as connection:
                return connection.execute(statement.values(**values, updated_at=self.clock())).rowcount
        except SQLAlchemyError as exc:
            raise TransientFault("Lost contact with the database", cause=f"database write failed: {exc}") from exc

    def claim(self, execution: str | None) -> Claim:
        """Take the row (started, running or failed → running); idempotent for a rerun of the same task."""
        values: dict[str, Any] = {
            "status": "running",
            "progress": 5,
            "stage": "downloading",
            "message": "Preparing your song...",
            "error": None,
            "result": None,
        }
        if execution:
            values["job_execution_name"] = execution
        if self._update(values):
            return Claim.CLAIMED
        try:
            with self.engine.connect() as connection:
                status = connection.execute(select(_task.c.status).where(self._where())).scalar()
        except SQLAlchemyError as exc:
            raise TransientFault("Lost contact with the database", cause=str(exc)) from exc
        return Claim.NOT_FOUND if status is None else Claim.ALREADY_DONE

    def progress(self, stage: str, percent: int, message: str) -> None:
        self._update({"status": "running", "stage": stage, "progress": int(percent), "message": message})

    def heartbeat(self) -> None:
        self._update({})

    def complete(self, result: dict[str, Any], message: str) -> None:
        self._update(
            {
                "status": "completed",
                "stage": "completed",
                "progress": 100,
                "message": message,
                "result": result,
                "error": None,
            }
        )

    def auto_save(
        self,
        *,
        title: str,
        video_path: str,
        thumbnail_path: str | None,
        difficulty: str,
        duration: float,
        music_info: dict,
        generation_parameters: dict,
    ) -> str | None:
        """Save the render to the user's collection when their preferences allow (default yes); idempotent.

        Returns the saved row's id, or None when the user turned auto-save off.
        """
        try:
            with self._lock, self.engine.begin() as connection:
                preferences = connection.scalar(select(_users.c.preferences).where(_users.c.id == self.user_id))
                if not (preferences or {}).get("auto_save_choreographies", True):
                    return None
                existing = connection.scalar(
                    select(_saved.c.id).where(
                        _saved.c.user_id == self.user_id,
                        _saved.c.generation_parameters["task_id"].as_string() == self.task_id,
                    )
                )
                if existing is not None:
                    return str(existing)
                saved_id = uuid.uuid4()
                connection.execute(
                    insert(_saved).values(
                        id=saved_id,
                        user_id=self.user_id,
                        title=title[:200],
                        video_path=video_path,
                        thumbnail_path=thumbnail_path,
                        difficulty=difficulty,
                        duration=duration,
                        music_info=music_info,
                        generation_parameters={**generation_parameters, "task_id": self.task_id},
                        created_at=self.clock(),
                    )
                )
                return str(saved_id)
        except SQLAlchemyError as exc:
            raise TransientFault("Lost contact with the database", cause=f"auto-save failed: {exc}") from exc

    def fail(self, message: str, error: str) -> None:
        """The legacy failure shape: status and stage 'failed', progress 0, a message and the cause."""
        self._update({"status": "failed", "stage": "failed", "progress": 0, "message": message, "error": error})


@contextmanager
def heartbeat(store: TaskStore, interval: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Touch ``updated_at`` every few seconds while the block runs, so the reaper knows we are alive."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                store.heartbeat()
            except TransientFault:
                log.warning("heartbeat could not reach the database; will try again", exc_info=True)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
