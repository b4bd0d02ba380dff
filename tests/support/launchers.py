"""A launcher that records what it is asked to do, for API tests that should not render."""

from __future__ import annotations

from job_launcher.base import ExecutionState, LaunchError, LaunchRequest


class RecordingLauncher:
    """Remembers launches and cancels; ``fail_with`` makes launches fail; ``states`` answers status()."""

    name = "recording"

    def __init__(self, fail_with: str | None = None):
        self.launched: list[LaunchRequest] = []
        self.cancelled: list[str] = []
        self.states: dict[str, ExecutionState] = {}
        self.fail_with = fail_with

    def launch(self, request: LaunchRequest) -> str:
        if self.fail_with:
            raise LaunchError(self.fail_with)
        self.launched.append(request)
        execution = f"recorded-{request.task_id}"
        self.states[execution] = ExecutionState.RUNNING
        return execution

    def status(self, execution: str) -> ExecutionState:
        return self.states.get(execution, ExecutionState.UNKNOWN)

    def cancel(self, execution: str) -> bool:
        self.cancelled.append(execution)
        self.states[execution] = ExecutionState.FAILED
        return True

    def close(self) -> None:
        """Holds nothing."""
