"""Launch renders as Cloud Run Job executions, with the task's env contract as container overrides."""

from __future__ import annotations

from google.api_core import exceptions as google_errors
from google.cloud import run_v2

from job_launcher.base import ExecutionState, LaunchError, LaunchRequest


class CloudRunLauncher:
    """One ``RunJobRequest`` per task against the configured job; the execution's resource name is returned."""

    name = "cloudrun"

    def __init__(
        self,
        *,
        project: str | None,
        region: str,
        job: str,
        jobs: run_v2.JobsClient | None = None,
        executions: run_v2.ExecutionsClient | None = None,
    ):
        if not project:
            raise LaunchError("GCP_PROJECT_ID must be set to launch Cloud Run Jobs")
        self.job_path = run_v2.JobsClient.job_path(project, region, job)
        self._jobs = jobs
        self._executions = executions

    @property
    def jobs(self) -> run_v2.JobsClient:
        self._jobs = self._jobs or run_v2.JobsClient()
        return self._jobs

    @property
    def executions(self) -> run_v2.ExecutionsClient:
        self._executions = self._executions or run_v2.ExecutionsClient()
        return self._executions

    def run_job_request(self, request: LaunchRequest) -> run_v2.RunJobRequest:
        """The exact request: the job path, one task, the env contract as container env overrides."""
        env = [run_v2.EnvVar(name=name, value=value) for name, value in request.environment().items()]
        overrides = run_v2.RunJobRequest.Overrides(
            container_overrides=[run_v2.RunJobRequest.Overrides.ContainerOverride(env=env)], task_count=1
        )
        return run_v2.RunJobRequest(name=self.job_path, overrides=overrides)

    def launch(self, request: LaunchRequest) -> str:
        try:
            operation = self.jobs.run_job(request=self.run_job_request(request))
            return operation.metadata.name
        except google_errors.GoogleAPICallError as exc:
            raise LaunchError(f"Cloud Run refused the execution: {exc.message}") from exc

    def status(self, execution: str) -> ExecutionState:
        try:
            found = self.executions.get_execution(name=execution)
        except google_errors.NotFound:
            return ExecutionState.UNKNOWN
        except google_errors.GoogleAPICallError as exc:
            raise LaunchError(f"Cloud Run status unavailable: {exc.message}") from exc
        if "completion_time" in found:  # proto-plus: presence, since an unset timestamp still reads as a value
            return ExecutionState.SUCCEEDED if found.succeeded_count > 0 else ExecutionState.FAILED
        return ExecutionState.RUNNING if found.running_count > 0 else ExecutionState.QUEUED

    def cancel(self, execution: str) -> bool:
        try:
            self.executions.cancel_execution(name=execution)
        except google_errors.NotFound:
            return False
        except google_errors.GoogleAPICallError as exc:
            raise LaunchError(f"Cloud Run could not cancel: {exc.message}") from exc
        return True

    def close(self) -> None:
        """Nothing to release: the executions run elsewhere."""
