"""The shared database layer: legacy mapping, our tables, engine and bootstrap."""

from bachata_common.db.base import Base, utcnow
from bachata_common.db.legacy import (
    LEGACY_TABLES,
    ChoreographyTask,
    ClassPlan,
    ClassPlanSequence,
    SavedChoreography,
    User,
)
from bachata_common.db.ours import LoginThrottle, RefreshToken

__all__ = [
    "LEGACY_TABLES",
    "Base",
    "ChoreographyTask",
    "ClassPlan",
    "ClassPlanSequence",
    "LoginThrottle",
    "RefreshToken",
    "SavedChoreography",
    "User",
    "utcnow",
]
