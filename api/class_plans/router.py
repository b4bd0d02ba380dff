"""Class plan routes (instructors only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import HTMLResponse

from api.auth.dependencies import CurrentUser
from api.class_plans import service
from api.class_plans.schemas import (
    DashboardOut,
    DuplicateIn,
    PlanIn,
    PlanOut,
    PlanPatch,
    ReorderIn,
    SequenceIn,
    SequenceOut,
    SummaryOut,
)
from api.clock import RequestClock
from api.database import DbSession
from bachata_common.db import ClassPlan, User

router = APIRouter(prefix="/api/class-plans", tags=["class plans"])


def _instructor(user: CurrentUser) -> User:
    return service.require_instructor(user)


Instructor = Annotated[User, Depends(_instructor)]


def _plan(plan_id: uuid.UUID, user: Instructor, session: DbSession) -> ClassPlan:
    return service.owned_plan(session=session, user=user, plan_id=plan_id)


OwnedPlan = Annotated[ClassPlan, Depends(_plan)]


def plan_out(session, plan: ClassPlan) -> PlanOut:
    sequences = [
        SequenceOut(
            id=s.id,
            sequence_order=s.sequence_order,
            notes=s.notes,
            estimated_time=s.estimated_time,
            choreography_id=s.choreography_id,
            choreography_title=c.title,
            choreography_difficulty=c.difficulty,
            choreography_duration=c.duration,
        )
        for s, c in service.sequences(session, plan)
    ]
    return PlanOut(
        id=plan.id,
        title=plan.title,
        description=plan.description,
        difficulty_level=plan.difficulty_level,
        estimated_duration=plan.estimated_duration,
        instructor_notes=plan.instructor_notes,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        sequences=sequences,
    )


@router.get("", response_model=list[PlanOut])
def list_plans(user: Instructor, session: DbSession) -> list[PlanOut]:
    """Your class plans, newest first."""
    return [plan_out(session, plan) for plan in service.list_plans(session=session, user=user)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanOut)
def create_plan(data: PlanIn, user: Instructor, session: DbSession, clock: RequestClock) -> PlanOut:
    return plan_out(session, service.create(session=session, user=user, values=data.model_dump(), now=clock()))


@router.get("/dashboard", response_model=DashboardOut)
def dashboard(user: Instructor, session: DbSession) -> DashboardOut:
    """Your teaching at a glance."""
    facts = service.dashboard(session=session, user=user)
    return DashboardOut(**{**facts, "recent_plans": [plan_out(session, p) for p in facts["recent_plans"]]})


@router.get("/{plan_id}", response_model=PlanOut)
def get_plan(plan: OwnedPlan, session: DbSession) -> PlanOut:
    return plan_out(session, plan)


@router.patch("/{plan_id}", response_model=PlanOut)
def patch_plan(plan: OwnedPlan, changes: PlanPatch, session: DbSession, clock: RequestClock) -> PlanOut:
    values = changes.model_dump(exclude_unset=True)
    return plan_out(session, service.update_plan(plan=plan, values=values, now=clock()))


@router.delete("/{plan_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_plan(plan: OwnedPlan, session: DbSession) -> Response:
    service.delete_plan(session=session, plan=plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{plan_id}/sequences", status_code=status.HTTP_201_CREATED, response_model=PlanOut)
def add_sequence(
    plan: OwnedPlan, data: SequenceIn, user: Instructor, session: DbSession, clock: RequestClock
) -> PlanOut:
    """Append one of your saved choreographies."""
    service.add_sequence(
        session=session,
        user=user,
        plan=plan,
        choreography_id=data.choreography_id,
        notes=data.notes,
        estimated_time=data.estimated_time,
        now=clock(),
    )
    return plan_out(session, plan)


@router.delete("/{plan_id}/sequences/{sequence_id}", response_model=PlanOut)
def remove_sequence(plan: OwnedPlan, sequence_id: uuid.UUID, session: DbSession, clock: RequestClock) -> PlanOut:
    """Remove a sequence; the rest are renumbered 1..n."""
    service.remove_sequence(session=session, plan=plan, sequence_id=sequence_id, now=clock())
    return plan_out(session, plan)


@router.post("/{plan_id}/reorder", response_model=PlanOut)
def reorder(plan: OwnedPlan, data: ReorderIn, session: DbSession, clock: RequestClock) -> PlanOut:
    """Put the sequences in the given order (every sequence id exactly once)."""
    service.reorder(session=session, plan=plan, sequence_ids=data.sequence_ids, now=clock())
    return plan_out(session, plan)


@router.post("/{plan_id}/duplicate", status_code=status.HTTP_201_CREATED, response_model=PlanOut)
def duplicate(plan: OwnedPlan, data: DuplicateIn, user: Instructor, session: DbSession, clock: RequestClock) -> PlanOut:
    copy = service.duplicate(
        session=session, user=user, plan=plan, include_sequences=data.include_sequences, now=clock()
    )
    return plan_out(session, copy)


@router.get("/{plan_id}/summary", response_model=SummaryOut)
def summary(plan: OwnedPlan, session: DbSession) -> SummaryOut:
    """Total time and how difficulty moves through the class."""
    return SummaryOut(**service.summary(session, plan))


@router.get("/{plan_id}/export", response_class=HTMLResponse)
def export(plan: OwnedPlan, session: DbSession, request: Request) -> HTMLResponse:
    """A printable page of the plan: each sequence's moves and a link to its video."""
    return HTMLResponse(service.export_html(session, plan, site=str(request.base_url)))
