"""Class plans: CRUD, sequences (add, remove, reorder without tripping the unique order), duplicate, summary."""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from itertools import pairwise

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api.collections.service import task_id_of
from api.errors import Forbidden, NotFound, Unprocessable
from bachata_common.db import ChoreographyTask, ClassPlan, ClassPlanSequence, SavedChoreography, User

LEVELS = {"beginner": 0, "intermediate": 1, "advanced": 2}
_PARKING = 1_000_000  # sequence orders are moved above this first, so no step collides with another row


def require_instructor(user: User) -> User:
    if not user.is_instructor:
        raise Forbidden("Class plans are for instructors")
    return user


def owned_plan(*, session: Session, user: User, plan_id: uuid.UUID) -> ClassPlan:
    """The instructor's own plan; another instructor's is as unknown as a missing one."""
    plan = session.scalar(select(ClassPlan).where(ClassPlan.id == plan_id, ClassPlan.instructor_id == user.id))
    if plan is None:
        raise NotFound("Class plan not found")
    return plan


def sequences(session: Session, plan: ClassPlan) -> list[tuple[ClassPlanSequence, SavedChoreography]]:
    """The plan's sequences in order, each with its choreography (one query)."""
    rows = session.execute(
        select(ClassPlanSequence, SavedChoreography)
        .join(SavedChoreography, SavedChoreography.id == ClassPlanSequence.choreography_id)
        .where(ClassPlanSequence.class_plan_id == plan.id)
        .order_by(ClassPlanSequence.sequence_order)
    )
    return [(sequence, saved) for sequence, saved in rows]


def list_plans(*, session: Session, user: User, limit: int | None = None) -> list[ClassPlan]:
    query = select(ClassPlan).where(ClassPlan.instructor_id == user.id).order_by(ClassPlan.created_at.desc())
    return list(session.scalars(query.limit(limit) if limit else query))


def create(*, session: Session, user: User, values: dict, now: datetime) -> ClassPlan:
    plan = ClassPlan(instructor_id=user.id, created_at=now, updated_at=now, **values)
    session.add(plan)
    session.flush()
    return plan


def update_plan(*, plan: ClassPlan, values: dict, now: datetime) -> ClassPlan:
    for field, value in values.items():
        setattr(plan, field, value)
    plan.updated_at = now
    return plan


def delete_plan(*, session: Session, plan: ClassPlan) -> None:
    # No ON DELETE in the original schema: children first.
    session.execute(delete(ClassPlanSequence).where(ClassPlanSequence.class_plan_id == plan.id))
    session.execute(delete(ClassPlan).where(ClassPlan.id == plan.id))


def add_sequence(
    *,
    session: Session,
    user: User,
    plan: ClassPlan,
    choreography_id: uuid.UUID,
    notes: str,
    estimated_time: int | None,
    now: datetime,
) -> ClassPlanSequence:
    """Append one of the instructor's own saved choreographies to the plan."""
    owns = session.scalar(
        select(SavedChoreography.id).where(
            SavedChoreography.id == choreography_id, SavedChoreography.user_id == user.id
        )
    )
    if owns is None:
        raise NotFound("Saved choreography not found")
    last = session.scalar(
        select(func.max(ClassPlanSequence.sequence_order)).where(ClassPlanSequence.class_plan_id == plan.id)
    )
    sequence = ClassPlanSequence(
        class_plan_id=plan.id,
        choreography_id=choreography_id,
        notes=notes,
        estimated_time=estimated_time,
        sequence_order=(last or 0) + 1,
    )
    session.add(sequence)
    plan.updated_at = now
    session.flush()
    return sequence


def _renumber(session: Session, plan: ClassPlan, ordered_ids: list[uuid.UUID]) -> None:
    """Give sequences the orders 1..n in the given order, in two steps so the non-deferrable
    UNIQUE(class_plan_id, sequence_order) never sees two rows with one order, even mid-way."""
    session.execute(
        update(ClassPlanSequence)
        .where(ClassPlanSequence.class_plan_id == plan.id)
        .values(sequence_order=ClassPlanSequence.sequence_order + _PARKING)
        .execution_options(synchronize_session=False)
    )
    for order, sequence_id in enumerate(ordered_ids, start=1):
        session.execute(
            update(ClassPlanSequence)
            .where(ClassPlanSequence.id == sequence_id)
            .values(sequence_order=order)
            .execution_options(synchronize_session=False)
        )
    session.expire_all()


def remove_sequence(*, session: Session, plan: ClassPlan, sequence_id: uuid.UUID, now: datetime) -> None:
    current = [sequence.id for sequence, _ in sequences(session, plan)]
    if sequence_id not in current:
        raise NotFound("Sequence not found")
    session.execute(delete(ClassPlanSequence).where(ClassPlanSequence.id == sequence_id))
    _renumber(session, plan, [s for s in current if s != sequence_id])
    plan.updated_at = now


def reorder(*, session: Session, plan: ClassPlan, sequence_ids: list[uuid.UUID], now: datetime) -> None:
    current = [sequence.id for sequence, _ in sequences(session, plan)]
    if sorted(sequence_ids) != sorted(current):
        raise Unprocessable("Give every sequence of the plan exactly once", details={"expected": len(current)})
    _renumber(session, plan, sequence_ids)
    plan.updated_at = now


def duplicate(*, session: Session, user: User, plan: ClassPlan, include_sequences: bool, now: datetime) -> ClassPlan:
    copy = create(
        session=session,
        user=user,
        now=now,
        values={
            "title": f"Copy of {plan.title}"[:200],
            "description": plan.description,
            "difficulty_level": plan.difficulty_level,
            "estimated_duration": plan.estimated_duration,
            "instructor_notes": plan.instructor_notes,
        },
    )
    if include_sequences:
        for sequence, _ in sequences(session, plan):
            session.add(
                ClassPlanSequence(
                    class_plan_id=copy.id,
                    choreography_id=sequence.choreography_id,
                    notes=sequence.notes,
                    estimated_time=sequence.estimated_time,
                    sequence_order=sequence.sequence_order,
                )
            )
        session.flush()
    return copy


def progression(difficulties: list[str]) -> str:
    """progressive when difficulty only rises (and does rise), regressive when it only falls, else balanced."""
    levels = [LEVELS.get(d, 1) for d in difficulties]
    steps = [b - a for a, b in pairwise(levels)]
    if steps and all(s >= 0 for s in steps) and any(s > 0 for s in steps):
        return "progressive"
    if steps and all(s <= 0 for s in steps) and any(s < 0 for s in steps):
        return "regressive"
    return "balanced"


def summary(session: Session, plan: ClassPlan) -> dict:
    rows = sequences(session, plan)
    difficulties = [saved.difficulty for _, saved in rows]
    return {
        "sequence_count": len(rows),
        "total_time_minutes": sum(sequence.estimated_time or 0 for sequence, _ in rows),
        "choreography_seconds": round(sum(saved.duration for _, saved in rows), 1),
        "difficulties": difficulties,
        "progression": progression(difficulties),
    }


# The export's only style, allowed by its hash in the page's Content-Security-Policy.
EXPORT_STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto}li{margin-bottom:1em}.moves{color:#444}"


def moves_of(session: Session, saved: SavedChoreography) -> list[str]:
    """A saved choreography's moves in order, from the render that made it (older rows recorded none)."""
    task_id = task_id_of(saved)
    task = session.get(ChoreographyTask, task_id) if task_id else None
    if task is None or task.user_id != saved.user_id:
        return []
    return [segment["move"] for segment in (task.result or {}).get("segments") or [] if segment.get("move")]


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def export_html(session: Session, plan: ClassPlan, *, site: str) -> str:
    """A printable page of the plan (everything escaped): each sequence's moves and the address of its video.

    The header's lengths are the sums of what is listed, so the two always agree; the class length the
    instructor planned is shown as that, beside them.
    """
    e = html.escape
    rows = sequences(session, plan)
    items = []
    for sequence, saved in rows:
        moves = moves_of(session, saved)
        link = f"{site.rstrip('/')}/collection/{saved.id}"
        items.append(
            f"<li><h3>{e(saved.title)}</h3><p>{e(saved.difficulty)} · {_clock(saved.duration)} of video"
            f"{f' · {sequence.estimated_time} min of practice' if sequence.estimated_time else ''}</p>"
            f'<p class="moves">{e(" → ".join(moves)) if moves else "Moves not recorded for this video"}</p>'
            f'<p>Video: <a href="{e(link)}">{e(link)}</a></p>'
            f"{f'<p>{e(sequence.notes)}</p>' if sequence.notes else ''}</li>"
        )
    facts = summary(session, plan)
    lengths = [
        f"{facts['sequence_count']} sequence{'s' if facts['sequence_count'] != 1 else ''}",
        f"{facts['total_time_minutes']} min of practice",
        f"{_clock(facts['choreography_seconds'])} of video",
    ]
    if plan.estimated_duration:
        lengths.append(f"planned class {plan.estimated_duration} min")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(plan.title)}</title><style>{EXPORT_STYLE}</style></head><body>"
        f"<h1>{e(plan.title)}</h1><p>{e(plan.difficulty_level)} · {facts['progression']}</p>"
        f"<p>{' · '.join(lengths)}</p>"
        f"<p>{e(plan.description)}</p><ol>{''.join(items)}</ol>"
        f"{f'<h2>Notes</h2><p>{e(plan.instructor_notes)}</p>' if plan.instructor_notes else ''}</body></html>"
    )


def dashboard(*, session: Session, user: User) -> dict:
    plans = list_plans(session=session, user=user)
    plan_ids = [plan.id for plan in plans]
    sequence_count = (
        session.scalar(
            select(func.count()).select_from(ClassPlanSequence).where(ClassPlanSequence.class_plan_id.in_(plan_ids))
        )
        if plan_ids
        else 0
    )
    by_difficulty = {level: sum(plan.difficulty_level == level for plan in plans) for level in LEVELS}
    saved = session.scalar(
        select(func.count()).select_from(SavedChoreography).where(SavedChoreography.user_id == user.id)
    )
    return {
        "plan_count": len(plans),
        "sequence_count": sequence_count,
        "plans_by_difficulty": by_difficulty,
        "saved_choreographies": saved,
        "recent_plans": plans[:5],
    }
