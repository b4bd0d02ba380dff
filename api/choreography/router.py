"""Choreography routes: generate, describe, tasks, cancel, reap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from api.auth.dependencies import CurrentUser
from api.choreography import service
from api.choreography.describe import describe, gemini_call, reading
from api.choreography.schemas import DescribeIn, DescribeOut, GenerateIn, GenerateOut, TaskOut, TaskPageOut
from api.clock import RequestClock
from api.database import DbSession
from api.errors import Forbidden, Unprocessable
from api.launcher import AppLauncher
from api.settings import AppSettings
from api.songs.service import resolve_song
from api.storage import AppStorage
from bachata_common.db import ChoreographyTask, User

router = APIRouter(prefix="/api/choreography", tags=["choreography"])


def task_out(task: ChoreographyTask) -> TaskOut:
    return TaskOut(
        task_id=task.task_id,
        status=task.status,
        progress=task.progress,
        stage=task.stage,
        message=task.message,
        result=task.result,
        error=task.error,
        created_at=task.created_at.timestamp(),
        updated_at=task.updated_at.timestamp(),
    )


def _owned_task(task_id: str, user: CurrentUser, session: DbSession) -> ChoreographyTask:
    return service.owned_task(session=session, user=user, task_id=task_id)


OwnedTask = Annotated[ChoreographyTask, Depends(_owned_task)]


@dataclass
class Renders:
    """What starting a render needs, gathered once per request."""

    session: DbSession
    storage: AppStorage
    launcher: AppLauncher
    settings: AppSettings
    clock: RequestClock

    def start(
        self,
        *,
        user: User,
        song_id: str,
        parameters: service.DanceChoice,
        original_query: str | None = None,
        orientation: str | None = None,
    ) -> GenerateOut:
        song = resolve_song(storage=self.storage, user_id=user.id, song_id=song_id)
        task = service.start_render(
            session=self.session,
            user=user,
            song=song,
            parameters=parameters,
            launcher=self.launcher,
            settings=self.settings,
            now=self.clock(),
            original_query=original_query,
            orientation=orientation,
        )
        return GenerateOut(task_id=task.task_id, status=task.status, poll_url=f"/api/choreography/tasks/{task.task_id}")


RenderStarter = Annotated[Renders, Depends()]


@router.post("/generate", status_code=status.HTTP_202_ACCEPTED, response_model=GenerateOut)
def generate(data: GenerateIn, user: CurrentUser, renders: RenderStarter) -> GenerateOut:
    """Start rendering a choreography for a song; poll the returned URL for progress."""
    return renders.start(user=user, song_id=data.song, parameters=data, orientation=data.orientation)


@router.post("/describe", response_model=DescribeOut)
def describe_in_words(
    data: DescribeIn, request: Request, user: CurrentUser, settings: AppSettings, renders: RenderStarter
) -> DescribeOut:
    """Parameters for a dance described in words; send again with confirmed: true (and a song) to generate."""
    gemini = request.app.state.gemini or (gemini_call(settings.google_api_key) if settings.google_api_key else None)
    parameters, source = describe(data.query, gemini=gemini)
    understood, not_used = reading(data.query, parameters, source=source)
    if not data.confirmed:
        return DescribeOut(parameters=parameters, source=source, understood=understood, not_used=not_used)
    if not data.song:
        raise Unprocessable("Choose a song to generate with", details=[{"field": "song"}])
    chosen = data.parameters or parameters
    task = renders.start(
        user=user, song_id=data.song, parameters=chosen, original_query=data.query, orientation=data.orientation
    )
    return DescribeOut(parameters=chosen, source=source, understood=understood, not_used=not_used, task=task)


@router.get("/tasks", response_model=TaskPageOut)
def list_tasks(
    user: CurrentUser,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TaskPageOut:
    """Your tasks, newest first."""
    rows, total = service.list_tasks(session=session, user=user, page=page, page_size=page_size)
    link = "/api/choreography/tasks?page={}&page_size=" + str(page_size)
    return TaskPageOut(
        items=[task_out(row) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
        next=link.format(page + 1) if page * page_size < total else None,
        previous=link.format(page - 1) if page > 1 else None,
    )


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task: OwnedTask) -> TaskOut:
    """One task, in the original's status shape plus updated_at."""
    return task_out(task)


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut)
def cancel_task(task: OwnedTask, session: DbSession, launcher: AppLauncher, clock: RequestClock) -> TaskOut:
    """Stop a running render; the task ends failed with the message "Cancelled"."""
    return task_out(service.cancel(session=session, task=task, launcher=launcher, now=clock()))


@router.post("/reap")
def reap_now(
    user: CurrentUser, session: DbSession, launcher: AppLauncher, settings: AppSettings, clock: RequestClock
) -> dict[str, int]:
    """Staff only: mark renders that died as failed now, instead of at the reaper's next round."""
    if not user.is_staff:
        raise Forbidden("Only staff can run the reaper")
    reaped = service.reap(session=session, launcher=launcher, settings=settings, now=clock())
    session.commit()
    service.stop_executions(launcher, reaped)
    return {"reaped": len(reaped)}
