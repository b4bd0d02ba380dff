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
from bachata_common.db.ours import RefreshToken

__all__ = [
    "LEGACY_TABLES",
    "Base",
    "ChoreographyTask",
    "ClassPlan",
    "ClassPlanSequence",
    "RefreshToken",
    "SavedChoreography",
    "User",
    "utcnow",
]
