"""Launch renders through the Ray Jobs API; ``submission_id=render-<task_id>`` makes a double launch impossible."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from job_launcher.base import ExecutionState, LaunchError, LaunchRequest

_STATES = {
    "PENDING": ExecutionState.QUEUED,
    "RUNNING": ExecutionState.RUNNING,
    "SUCCEEDED": ExecutionState.SUCCEEDED,
    "FAILED": ExecutionState.FAILED,
    "STOPPED": ExecutionState.FAILED,
}


def auth_headers() -> dict[str, str]:
    """The cluster's token as a bearer header (Ray 2.60 clusters require it), without changing this process's
    Ray settings: RAY_AUTH_TOKEN, else the file at RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token."""
    token = os.environ.get("RAY_AUTH_TOKEN")
    if not token:
        path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
        token = path.read_text().strip() if path.is_file() else None
    return {"Authorization": f"Bearer {token}"} if token else {}


class RayJobsLauncher:
    """Submits ``python -m ray_pipeline`` (with the cluster's own interpreter) as a Ray job per task."""

    name = "ray"

    def __init__(self, *, address: str, python: str | None = None, client=None):
        self.address = address
        self.python = python or sys.executable
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from ray.job_submission import JobSubmissionClient

            try:
                self._client = JobSubmissionClient(self.address, headers=auth_headers())
            except Exception as exc:
                raise LaunchError(f"Ray Jobs API at {self.address} is unreachable: {exc}") from exc
        return self._client

    def launch(self, request: LaunchRequest) -> str:
        submission_id = f"render-{request.task_id}"
        env = {**request.environment(), "JOB_EXECUTION_NAME": submission_id}
        try:
            return self.client.submit_job(
                entrypoint=f"{shlex.quote(self.python)} -m ray_pipeline",
                submission_id=submission_id,
                runtime_env={"env_vars": env},
            )
        except LaunchError:
            raise
        except Exception as exc:  # the SDK raises RuntimeError for refusals, including a reused submission id
            raise LaunchError(f"Ray refused job {submission_id}: {exc}") from exc

    def status(self, execution: str) -> ExecutionState:
        try:
            status = self.client.get_job_status(execution)
        except RuntimeError:
            return ExecutionState.UNKNOWN
        return _STATES.get(str(getattr(status, "value", status)), ExecutionState.UNKNOWN)

    def cancel(self, execution: str) -> bool:
        try:
            return bool(self.client.stop_job(execution))
        except RuntimeError:
            return False

    def close(self) -> None:
        """Nothing to release: the executions run elsewhere."""
