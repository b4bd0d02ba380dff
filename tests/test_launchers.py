"""The three launchers: local (queue and bound), Cloud Run (exact request, transport faked), Ray Jobs (real head)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import psutil
import pytest
from google.api_core import exceptions as google_errors
from google.auth.credentials import AnonymousCredentials
from google.cloud import run_v2
from google.longrunning import operations_pb2
from google.protobuf import any_pb2, timestamp_pb2
from sqlalchemy import update
from sqlalchemy.orm import Session

from bachata_common.db import ChoreographyTask
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import Settings
from job_launcher.base import ExecutionState, LaunchError, LaunchRequest
from job_launcher.cloudrun import CloudRunLauncher
from job_launcher.local import LocalLauncher
from job_launcher.ray_jobs import RayJobsLauncher
from job_launcher.ray_node import RayNode
from ray_pipeline.synthetic import make_song
from tests.support.ports import free_port
from tests.support.processes import session_members
from tests.support.rows import create_task, create_user, read_task

REQUEST = LaunchRequest(
    task_id="0b6f4c3e-4d2a-4f8e-9c1b-2a3b4c5d6e7f",
    user_id=7,
    audio_input="songs/Aventura.mp3",
    difficulty="beginner",
    energy_level="low",
    style="romantic",
)


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_local_launcher_runs_a_bounded_number_and_queues_the_rest():
    # An unusable TASK_ID makes each execution exit at once (code 2), which is all this needs.
    launcher = LocalLauncher(max_running=1, env={"TASK_ID": "not-a-uuid"})
    bad = LaunchRequest(task_id="not-a-uuid", user_id=1, audio_input="x", difficulty="beginner")
    first, second, third = (launcher.launch(bad) for _ in range(3))
    assert launcher.status(second) in (ExecutionState.QUEUED, ExecutionState.RUNNING)
    assert launcher.status(third) in (ExecutionState.QUEUED, ExecutionState.RUNNING)
    assert launcher.running() <= 1
    wait_until(lambda: all(launcher.status(e).finished for e in (first, second, third)), 60, "the queue to drain")
    assert {launcher.status(e) for e in (first, second, third)} == {ExecutionState.FAILED}
    assert launcher.status("local-unknown") is ExecutionState.UNKNOWN
    assert launcher.cancel("local-unknown") is False


def test_a_render_process_gets_no_secret_of_the_apis(monkeypatch):
    """Issue 14: render subprocesses inherited the API's whole environment, secrets included."""
    for name, value in {"SECRET_KEY": "s3cr3t-signing-key", "GOOGLE_API_KEY": "gemini-key",
                        "AWS_SECRET_ACCESS_KEY": "unrelated", "DB_PASSWORD": "db-pass", "RAY_AUTH_MODE": "token",
                        "NUMBA_CACHE_DIR": "var/cache/numba"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    seen = {}

    class Recorded(subprocess.Popen):
        def __init__(self, args, **kwargs):
            seen.update(kwargs["env"])
            super().__init__(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    launcher = LocalLauncher(max_running=1, env={"TASK_ID": "not-a-uuid"})
    execution = launcher.launch(LaunchRequest(task_id="not-a-uuid", user_id=1, audio_input="x", difficulty="beginner"))
    wait_until(lambda: launcher.status(execution).finished, 60, "the render to exit")
    assert not {"SECRET_KEY", "GOOGLE_API_KEY", "AWS_SECRET_ACCESS_KEY"} & set(seen)
    assert {"DB_PASSWORD", "RAY_AUTH_MODE", "NUMBA_CACHE_DIR", "PATH", "TASK_ID", "JOB_EXECUTION_NAME"} <= set(seen)


@pytest.mark.postgres
def test_a_hung_local_render_is_reaped_stopped_and_its_slot_freed(postgres, tmp_path):
    """Issue 14 (6): a SIGSTOPped render was marked failed but kept its process and its slot until restart."""
    from api.choreography.service import reap, stop_executions
    from bachata_common.db import utcnow

    url = postgres.create_database("hung")  # its own: the rows here are committed
    engine = create_db_engine(url)
    prepare_database(engine)
    settings = Settings(database_url=url, var_dir=tmp_path / "var", stale_task_seconds=120)
    launcher = LocalLauncher(max_running=1, env={"DATABASE_URL": url, "VAR_DIR": str(tmp_path / "var")})
    user_id = create_user(engine)
    task_id = create_task(engine, user_id)
    hung = launcher.launch(LaunchRequest(task_id=task_id, user_id=user_id, audio_input="songs/x.wav",
                                         difficulty="beginner"))  # fmt: skip
    (process,) = [child for child in psutil.Process().children() if "ray_pipeline" in child.cmdline()]
    process.suspend()  # SIGSTOP: alive, silent, holding the only slot
    try:
        queued = launcher.launch(LaunchRequest(task_id="not-a-uuid", user_id=1, audio_input="x", difficulty="beginner"))
        assert launcher.status(queued) is ExecutionState.QUEUED
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(
                update(ChoreographyTask)
                .where(ChoreographyTask.task_id == task_id)
                .values(status="running", job_execution_name=hung, updated_at=now - timedelta(minutes=10))
            )
        with Session(engine) as session:
            reaped = reap(session=session, launcher=launcher, settings=settings, now=now)
            session.commit()
        assert reaped == [hung]
        stop_executions(launcher, reaped)
        assert not psutil.pid_exists(process.pid)  # killed, not left stopped
        assert launcher.status(hung) is ExecutionState.FAILED
        wait_until(lambda: launcher.status(queued) is not ExecutionState.QUEUED, 30, "the queued render to start")
        row = read_task(engine, task_id)
        assert row.status == "failed" and "stopped responding" in row.message
    finally:  # a stopped process must not outlive a failed test
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        engine.dispose()


def _packed_execution(execution: run_v2.Execution) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(run_v2.Execution.pb(execution))
    return packed


def test_cloud_run_sends_the_exact_run_job_request():
    jobs = run_v2.JobsClient(credentials=AnonymousCredentials())
    launcher = CloudRunLauncher(project="bachata-prod", region="us-central1", job="bachata-render", jobs=jobs)
    execution_name = "projects/bachata-prod/locations/us-central1/jobs/bachata-render/executions/bachata-render-x1"
    with mock.patch.object(type(jobs.transport.run_job), "__call__") as call:
        call.return_value = operations_pb2.Operation(
            name="operations/1", metadata=_packed_execution(run_v2.Execution(name=execution_name))
        )
        assert launcher.launch(REQUEST) == execution_name
    [(_, args, _)] = call.mock_calls
    env = [
        run_v2.EnvVar(name=k, value=v)
        for k, v in [
            ("TASK_ID", REQUEST.task_id),
            ("USER_ID", "7"),
            ("AUDIO_INPUT", "songs/Aventura.mp3"),
            ("DIFFICULTY", "beginner"),
            ("ENERGY_LEVEL", "low"),
            ("STYLE", "romantic"),
            ("ORIGINAL_QUERY", ""),
        ]
    ]
    assert args[0] == run_v2.RunJobRequest(
        name="projects/bachata-prod/locations/us-central1/jobs/bachata-render",
        overrides=run_v2.RunJobRequest.Overrides(
            container_overrides=[run_v2.RunJobRequest.Overrides.ContainerOverride(env=env)], task_count=1
        ),
    )


def test_cloud_run_refusals_status_and_cancel():
    jobs = run_v2.JobsClient(credentials=AnonymousCredentials())
    executions = run_v2.ExecutionsClient(credentials=AnonymousCredentials())
    launcher = CloudRunLauncher(project="p", region="r", job="j", jobs=jobs, executions=executions)
    refused = google_errors.PermissionDenied("no")
    with (
        mock.patch.object(type(jobs.transport.run_job), "__call__", side_effect=refused),
        pytest.raises(LaunchError, match="Cloud Run refused"),
    ):
        launcher.launch(REQUEST)
    done = run_v2.Execution(name="e", completion_time=timestamp_pb2.Timestamp(seconds=1), succeeded_count=1)
    failed = run_v2.Execution(name="e", completion_time=timestamp_pb2.Timestamp(seconds=1), failed_count=1)
    running = run_v2.Execution(name="e", running_count=1)
    with mock.patch.object(type(executions.transport.get_execution), "__call__") as call:
        for execution, state in [(done, "SUCCEEDED"), (failed, "FAILED"), (running, "RUNNING")]:
            call.return_value = run_v2.Execution.pb(execution)
            assert launcher.status("e") is ExecutionState[state]
        call.side_effect = google_errors.NotFound("gone")
        assert launcher.status("e") is ExecutionState.UNKNOWN
    with mock.patch.object(type(executions.transport.cancel_execution), "__call__") as call:
        call.return_value = operations_pb2.Operation(name="operations/2")
        assert launcher.cancel("e") is True
        assert call.mock_calls[0].args[0] == run_v2.CancelExecutionRequest(name="e")
    with pytest.raises(LaunchError, match="GCP_PROJECT_ID"):
        CloudRunLauncher(project=None, region="r", job="j")


@pytest.fixture(scope="module")
def ray_head(postgres, demo_library, tmp_path_factory):
    """A real Ray head on loopback with its own ports and temp dir, stopped by PID afterwards."""
    media = tmp_path_factory.mktemp("ray-media")
    database = postgres.create_database("rayjobs")
    temp_dir = tempfile.mkdtemp(prefix="rh", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    dashboard = free_port()
    env = {
        **os.environ,
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
        "DATABASE_URL": database,
        "MEDIA_DIR": str(media),
        "LIBRARY_DIR": str(demo_library),
        "VAR_DIR": str(tmp_path_factory.mktemp("ray-var")),
        "RENDER_SIZE": "640x360",
    }
    ray = Path(sys.executable).with_name("ray")
    subprocess.run(
        [
            str(ray),
            "start",
            "--head",
            f"--port={free_port()}",
            "--node-ip-address=127.0.0.1",
            "--num-cpus=2",
            "--include-dashboard=true",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={dashboard}",
            f"--temp-dir={temp_dir}",
            "--disable-usage-stats",
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    try:
        yield {"address": f"http://127.0.0.1:{dashboard}", "database": database, "media": media}
    finally:
        ours = [p for p in psutil.process_iter(["pid", "cmdline"]) if temp_dir in " ".join(p.info["cmdline"] or [])]
        for process in ours:
            process.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(ours, timeout=10)
        for process in alive:
            process.kill()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.postgres
def test_ray_jobs_launcher_runs_the_job_and_refuses_a_second_submission(ray_head):
    from sqlalchemy import create_engine

    engine = create_engine(ray_head["database"])
    from bachata_common.db.bootstrap import prepare_database

    prepare_database(engine)
    make_song(ray_head["media"] / "songs" / "groove.wav", bpm=128, duration=35, seed=2)
    user_id = create_user(engine)
    task_id = create_task(engine, user_id)
    launcher = RayJobsLauncher(address=ray_head["address"])
    request = LaunchRequest(task_id=task_id, user_id=user_id, audio_input="songs/groove.wav", difficulty="beginner")
    execution = launcher.launch(request)
    assert execution == f"render-{task_id}"
    with pytest.raises(LaunchError, match="refused"):
        launcher.launch(request)
    wait_until(lambda: launcher.status(execution).finished, 240, "the Ray job")
    assert launcher.status(execution) is ExecutionState.SUCCEEDED, launcher.client.get_job_logs(execution)[-3000:]
    row = read_task(engine, task_id)
    assert (row.status, row.progress, row.job_execution_name) == ("completed", 100, execution)
    assert launcher.status("render-unknown") is ExecutionState.UNKNOWN
    engine.dispose()


def test_local_renders_join_one_standing_ray_node_which_stops_with_the_launcher(
    tmp_path, demo_library, session_var_dir
):
    """Issue 13: every render started a Ray runtime of its own (~3 s of its ~8 s); they now join one node."""
    url = f"sqlite:///{tmp_path / 'renders.db'}"
    engine = create_db_engine(url)
    prepare_database(engine)
    env = {"DATABASE_URL": url, "VAR_DIR": str(session_var_dir), "MEDIA_DIR": str(tmp_path / "media"),
           "LIBRARY_DIR": str(demo_library), "RENDER_SIZE": "640x360", "RENDER_CPUS": "2"}  # fmt: skip
    node = RayNode(cpus=2, cwd=None, log_path=tmp_path / "ray-node.log")
    launcher = LocalLauncher(max_running=2, env=env, log_dir=tmp_path / "logs", node=node)
    user_id = create_user(engine)
    try:
        executions = {}
        for seed in (1, 2):
            make_song(tmp_path / "media" / "songs" / f"s{seed}.wav", bpm=124 + seed, duration=35, seed=seed)
            task_id = create_task(engine, user_id)
            request = LaunchRequest(task_id=task_id, user_id=user_id, audio_input=f"songs/s{seed}.wav",
                                    difficulty="beginner")  # fmt: skip
            executions[launcher.launch(request)] = task_id
        assert node.wait_until_settled(120) and node.usable()
        node_pid = node.pid
        wait_until(lambda: all(launcher.status(e).finished for e in executions), 240, "both renders")
        for execution, task_id in executions.items():
            log = (tmp_path / "logs" / f"{execution}.log").read_text()
            assert read_task(engine, task_id).status == "completed", log[-3000:]
            assert f"joined the Ray node at {node.address}" in log
            assert "heard by the Ray node's warm hearers" in log  # no hearing processes of its own
        assert node.usable() and node.pid == node_pid  # one node for both
        members = session_members(node_pid)
        assert any("raylet" in " ".join(p.cmdline()) for p in members)
    finally:
        launcher.close()
        engine.dispose()
    wait_until(lambda: not session_members(node_pid), 30, "the node and its Ray processes to stop")


def test_the_standing_node_never_outlives_the_process_that_started_it(tmp_path):
    """However the API ends (here SIGKILL), the node sees its stdin close and stops with all of Ray's processes."""
    starter = subprocess.Popen(
        [sys.executable, "-c", (
            "import os, sys, time; from job_launcher.ray_node import RayNode; "
            "node = RayNode(cpus=1, cwd=None, log_path=None); node.start(dict(os.environ), lambda: None); "
            "node.wait_until_settled(120); print(node.pid, node.address, flush=True); time.sleep(600)"
        )],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        node_pid, address = starter.stdout.readline().split()
        assert address != "None" and session_members(int(node_pid))
    finally:
        os.killpg(starter.pid, signal.SIGKILL)  # only the starter's session: the node has one of its own
        starter.wait()
    wait_until(lambda: not session_members(int(node_pid)), 30, "the orphaned node to stop")


def test_renders_go_ahead_on_their_own_runtimes_when_the_node_cannot_start(tmp_path):
    """A node that fails to start must not keep the queue waiting for one failed start after another."""
    broken = RayNode(cpus=0, cwd=None, log_path=tmp_path / "ray-node.log")  # refused: --cpus
    launcher = LocalLauncher(max_running=1, env={"TASK_ID": "not-a-uuid"}, node=broken)
    bad = LaunchRequest(task_id="not-a-uuid", user_id=1, audio_input="x", difficulty="beginner")
    try:
        executions = [launcher.launch(bad) for _ in range(2)]
        wait_until(lambda: all(launcher.status(e).finished for e in executions), 60, "the renders to run")
        assert not broken.usable() and "--cpus must be at least 1" in (tmp_path / "ray-node.log").read_text()
    finally:
        launcher.close()
