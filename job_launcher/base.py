"""The launcher interface: start one render execution per task, report on it, stop it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class LaunchRequest:
    """The render job's env contract for one task."""

    task_id: str
    user_id: int
    audio_input: str
    difficulty: str
    energy_level: str | None = None
    style: str | None = None
    original_query: str | None = None
    size: str | None = None  # the video's size ("720x1280" for a phone); the job's RENDER_SIZE otherwise

    def environment(self) -> dict[str, str]:
        """The variables ``python -m ray_pipeline`` reads."""
        env = {
            "TASK_ID": self.task_id,
            "USER_ID": str(self.user_id),
            "AUDIO_INPUT": self.audio_input,
            "DIFFICULTY": self.difficulty,
            "ENERGY_LEVEL": self.energy_level or "",
            "STYLE": self.style or "",
            "ORIGINAL_QUERY": self.original_query or "",
        }
        return env | ({"RENDER_SIZE": self.size} if self.size else {})


class ExecutionState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the launcher has no record of it (e.g. the API restarted)

    @property
    def finished(self) -> bool:
        return self in (ExecutionState.SUCCEEDED, ExecutionState.FAILED)


class LaunchError(Exception):
    """The execution could not be started (or stopped); the message says why."""


class Launcher(Protocol):
    """Starts, watches and stops render executions."""

    name: str

    def launch(self, request: LaunchRequest) -> str:
        """Start an execution; returns its name (stored in ``choreography_tasks.job_execution_name``)."""
        ...

    def status(self, execution: str) -> ExecutionState: ...

    def cancel(self, execution: str) -> bool:
        """Stop the execution if the backend can; True when it was asked to stop."""
        ...

    def close(self) -> None:
        """Release what the launcher holds (the local launcher's Ray node); nothing for the others."""
        ...
