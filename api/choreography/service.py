"""Render tasks: create and launch, read, list, cancel, and reap the ones that died."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Select, and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from api.errors import AppError, Conflict, NotFound, ServiceUnavailable
from bachata_common.db import ChoreographyTask, User
from bachata_common.db.legacy import CANCELLED_MESSAGE
from bachata_common.settings import Settings
from job_launcher.base import ExecutionState, Launcher, LaunchError, LaunchRequest

log = logging.getLogger(__name__)
ACTIVE = ("started", "running")
_GENERATE_LOCK = 0x0BAC4A7B  # serialises cap checks across API workers on PostgreSQL


class DanceChoice(Protocol):
    """What a render needs of the dancer's request (GenerateIn and DanceParameters both provide it)."""

    difficulty: str
    energy_level: str | None
    style: str | None


class TooManyRenders(AppError):
    status_code = 429
    code = "too_many_renders"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)}, details={"retry_after": retry_after})


def failed_values(*, message: str, error: str, now: datetime) -> dict:
    """The original's failure shape for a task row."""
    return {"status": "failed", "stage": "failed", "progress": 0, "message": message, "error": error, "updated_at": now}


def _active_since(now: datetime, settings: Settings) -> datetime:
    # A row silent for longer than this is dead (the reaper will say so); it no longer holds a slot.
    return now - timedelta(seconds=settings.stale_task_seconds)


def _active_renders(now: datetime, settings: Settings) -> Select:
    return (
        select(func.count())
        .select_from(ChoreographyTask)
        .where(ChoreographyTask.status.in_(ACTIVE), ChoreographyTask.updated_at >= _active_since(now, settings))
    )


def renders_in_progress(*, session: Session, user: User, settings: Settings, now: datetime) -> int:
    """How many of the user's renders are queued or running (a row that has gone silent no longer counts)."""
    return session.scalar(_active_renders(now, settings).where(ChoreographyTask.user_id == user.id))


def _check_caps(*, session: Session, user: User, settings: Settings, now: datetime) -> None:
    """429 with Retry-After when the user, or everyone together, already has the allowed renders running."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GENERATE_LOCK})
    mine = renders_in_progress(session=session, user=user, settings=settings, now=now)
    if mine >= settings.max_running_renders_per_user:
        raise TooManyRenders(
            f"You already have {mine} choreographies rendering; try again when one finishes", retry_after=30
        )
    if session.scalar(_active_renders(now, settings)) >= settings.max_running_renders:
        raise TooManyRenders("The studio is busy rendering other choreographies; try again shortly", retry_after=60)


def oriented_size(size: str, orientation: str | None) -> str | None:
    """The configured video size turned to the orientation asked for (None keeps the job's own setting)."""
    if orientation is None:
        return None
    long, short = sorted((int(side) for side in size.lower().split("x")), reverse=True)
    return f"{short}x{long}" if orientation == "portrait" else f"{long}x{short}"


def start_render(
    *,
    session: Session,
    user: User,
    song: str,
    parameters: DanceChoice,
    launcher: Launcher,
    settings: Settings,
    now: datetime,
    original_query: str | None = None,
    orientation: str | None = None,
) -> ChoreographyTask:
    """Create the task row (every NOT NULL column), commit it, then launch its execution.

    The commit comes first because the execution reads the row; a launch failure marks the row failed.
    """
    _check_caps(session=session, user=user, settings=settings, now=now)
    task = ChoreographyTask(user_id=user.id, created_at=now, updated_at=now)
    session.add(task)
    session.commit()
    launch = LaunchRequest(
        task_id=task.task_id,
        user_id=user.id,
        audio_input=song,
        difficulty=parameters.difficulty,
        energy_level=parameters.energy_level,
        style=parameters.style,
        original_query=original_query,
        size=oriented_size(settings.render_size, orientation),
    )
    try:
        execution = launcher.launch(launch)
    except Exception as exc:  # whatever went wrong, the committed row must not stay "started" and hold a slot
        log.error("launch of task %s failed: %s", task.task_id, exc, exc_info=not isinstance(exc, LaunchError))
        session.rollback()
        session.execute(
            update(ChoreographyTask)
            .where(ChoreographyTask.task_id == task.task_id)
            .values(
                **failed_values(
                    message="Could not start the render", error=f"{type(exc).__name__}: {exc}"[:2000], now=now
                )
            )
        )
        session.commit()
        raise ServiceUnavailable("The render service is unavailable right now; please try again") from exc
    # The job may already have claimed the row and written its own name; only fill it when still empty.
    session.execute(
        update(ChoreographyTask)
        .where(ChoreographyTask.task_id == task.task_id, ChoreographyTask.job_execution_name.is_(None))
        .values(job_execution_name=execution, updated_at=now)
    )
    return task


def owned_task(*, session: Session, user: User, task_id: str) -> ChoreographyTask:
    """The user's task, or 404 (also for another user's task: its existence is not confirmed)."""
    task = session.scalar(
        select(ChoreographyTask).where(ChoreographyTask.task_id == task_id, ChoreographyTask.user_id == user.id)
    )
    if task is None:
        raise NotFound("Task not found")
    return task


def list_tasks(*, session: Session, user: User, page: int, page_size: int) -> tuple[list[ChoreographyTask], int]:
    mine = ChoreographyTask.user_id == user.id
    total = session.scalar(select(func.count()).select_from(ChoreographyTask).where(mine))
    rows = session.scalars(
        select(ChoreographyTask)
        .where(mine)
        .order_by(ChoreographyTask.created_at.desc(), ChoreographyTask.task_id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(rows), total


def cancel(*, session: Session, task: ChoreographyTask, launcher: Launcher, now: datetime) -> ChoreographyTask:
    """Stop the execution where the launcher can, and mark the row failed with "Cancelled"."""
    if task.status not in ACTIVE:
        raise Conflict(f"This choreography has already {task.status}", details={"status": task.status})
    if task.job_execution_name:
        try:
            launcher.cancel(task.job_execution_name)
        except LaunchError:
            log.warning("could not stop execution %s", task.job_execution_name, exc_info=True)
    for column, value in failed_values(message=CANCELLED_MESSAGE, error="Cancelled by the user", now=now).items():
        setattr(task, column, value)
    return task


def reap(*, session: Session, launcher: Launcher, settings: Settings, now: datetime) -> list[str]:
    """Fail our active rows whose heartbeat stopped or whose execution the launcher reports dead.

    Only rows our launchers started (``job_execution_name`` set) are ours to judge: the original app's own
    renders go quiet for minutes between progress updates, and its own sweeper looks after them. Returns the
    executions of the rows failed here, which the caller stops once this transaction is committed (a hung
    process would otherwise keep its slot forever). Each update re-checks the row's state, so the original's
    sweeper writing the same rows is harmless.
    """
    # A queued row has no heartbeat yet, so "started" rows get longer than "running" ones.
    queued_limit = now - timedelta(seconds=max(600, 5 * settings.stale_task_seconds))
    silent = or_(
        and_(ChoreographyTask.status == "running", ChoreographyTask.updated_at < _active_since(now, settings)),
        and_(ChoreographyTask.status == "started", ChoreographyTask.updated_at < queued_limit),
    )
    ours = select(ChoreographyTask.task_id, ChoreographyTask.job_execution_name).where(
        ChoreographyTask.status.in_(ACTIVE), ChoreographyTask.job_execution_name.is_not(None)
    )
    reaped = []
    for task_id, execution in session.execute(ours).all():
        if session.scalar(select(silent).where(ChoreographyTask.task_id == task_id)):
            values = failed_values(
                message="The render stopped responding; please generate again",
                error=f"No heartbeat for {settings.stale_task_seconds} s",
                now=now,
            )
            state = silent
        elif launcher.status(execution) is ExecutionState.FAILED:
            values = failed_values(
                message="The render stopped unexpectedly; please generate again",
                error=f"Execution {execution} ended without finishing the task",
                now=now,
            )
            state = ChoreographyTask.status.in_(ACTIVE)
        else:
            continue
        changed = session.execute(
            update(ChoreographyTask).where(ChoreographyTask.task_id == task_id, state).values(**values)
        ).rowcount
        if changed:
            reaped.append(execution)
    return reaped


def stop_executions(launcher: Launcher, executions: list[str]) -> None:
    """Stop what the reaper gave up on (a process group locally, a cancel on Cloud Run or Ray), freeing its slot."""
    for execution in executions:
        try:
            launcher.cancel(execution)
        except Exception:  # the row is failed already; an execution that cannot be stopped is only logged
            log.warning("could not stop execution %s", execution, exc_info=True)
