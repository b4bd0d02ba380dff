"""Run each render as a local subprocess (`python -m ray_pipeline`), a few at a time, the rest queued."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from bachata_common.settings import API_ONLY, environment_names
from job_launcher.base import ExecutionState, LaunchError, LaunchRequest
from job_launcher.ray_node import RayNode

log = logging.getLogger(__name__)
# What a render process needs of the API's environment besides the settings: the system, its libraries' own
# switches (Ray, numba, ultralytics, BLAS threads) and the cloud client's credentials.
SYSTEM = frozenset({"PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "VIRTUAL_ENV", "LD_LIBRARY_PATH",
                    "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "GOOGLE_APPLICATION_CREDENTIALS",
                    "STORAGE_EMULATOR_HOST"})  # fmt: skip
LIBRARY_PREFIXES = ("RAY_", "NUMBA_", "YOLO_", "OMP_", "OPENBLAS_", "MKL_")


def job_environment(environ: dict[str, str]) -> dict[str, str]:
    """The part of the API's environment a render may see: its settings and the system, never the API's secrets."""
    wanted = (environment_names() - API_ONLY) | SYSTEM
    return {name: value for name, value in environ.items() if name in wanted or name.startswith(LIBRARY_PREFIXES)}


class LocalLauncher:
    """Bounded concurrency: at most ``max_running`` renders at once; later ones wait in FIFO order.

    With a ``node``, renders join that standing Ray node rather than each starting Ray (~3 s here); it starts
    with the first render, which waits for it, and stops with ``close``.
    """

    name = "local"

    def __init__(
        self,
        *,
        max_running: int,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        log_dir: Path | None = None,
        node: RayNode | None = None,
    ):
        self.max_running = max_running
        self.node = node
        self.env = env or {}
        self.cwd = cwd
        self.log_dir = log_dir
        self._lock = threading.Lock()
        self._queue: deque[tuple[str, LaunchRequest]] = deque()
        self._running: dict[str, subprocess.Popen] = {}
        self._finished: dict[str, int] = {}
        self._counter = 0

    def launch(self, request: LaunchRequest) -> str:
        with self._lock:
            self._counter += 1
            execution = f"local-{request.task_id}-{os.getpid()}-{self._counter}"
            self._queue.append((execution, request))
            self._start_queued()
        return execution

    def _start_queued(self) -> None:
        """Start queued executions while there is room (caller holds the lock)."""
        self._reap_exited()
        if self._queue and self.node is not None:
            self.node.start(self._environment(), on_settled=self._node_settled)
            if self.node.starting:
                return  # the queue moves on once it is ready (or has failed)
        while self._queue and len(self._running) < self.max_running:
            execution, request = self._queue.popleft()
            try:
                self._running[execution] = self._spawn(execution, request)
            except OSError as exc:
                self._finished[execution] = -1
                raise LaunchError(f"could not start the render process: {exc}") from exc
            threading.Thread(target=self._wait, args=(execution,), daemon=True).start()

    def _node_settled(self) -> None:
        with self._lock:
            self._start_queued()

    def _environment(self) -> dict[str, str]:
        """What every render process (and the Ray node they join) is given: the settings and the system."""
        return {**job_environment(dict(os.environ)), **self.env}

    def _spawn(self, execution: str, request: LaunchRequest) -> subprocess.Popen:
        env = {**self._environment(), **request.environment()}
        env["JOB_EXECUTION_NAME"] = execution
        if self.node is not None and self.node.usable():
            env["RENDER_RAY_NODE"] = self.node.address
        output = subprocess.DEVNULL
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{execution}.log").open("ab")
        # A session of its own, so cancel can stop the job and the Ray processes it started, all at once.
        return subprocess.Popen(
            [sys.executable, "-m", "ray_pipeline"],
            env=env,
            cwd=self.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _wait(self, execution: str) -> None:
        process = self._running[execution]
        code = process.wait()
        with self._lock:
            self._running.pop(execution, None)
            self._finished[execution] = code
            self._start_queued()

    def _reap_exited(self) -> None:
        for execution, process in list(self._running.items()):
            if process.poll() is not None:
                self._running.pop(execution)
                self._finished[execution] = process.returncode

    def status(self, execution: str) -> ExecutionState:
        with self._lock:
            if execution in self._running:
                return ExecutionState.RUNNING
            if any(name == execution for name, _ in self._queue):
                return ExecutionState.QUEUED
            if execution in self._finished:
                return ExecutionState.SUCCEEDED if self._finished[execution] == 0 else ExecutionState.FAILED
        return ExecutionState.UNKNOWN

    def cancel(self, execution: str) -> bool:
        with self._lock:
            for item in list(self._queue):
                if item[0] == execution:
                    self._queue.remove(item)
                    self._finished[execution] = -signal.SIGTERM
                    return True
            process = self._running.get(execution)
        if process is None:
            return False
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the job and its Ray runtime: nothing of it may write on
        except ProcessLookupError:
            return False
        process.wait()
        return True

    def running(self) -> int:
        with self._lock:
            self._reap_exited()
            return len(self._running)

    def close(self) -> None:
        """Stop the standing Ray node (renders still running carry on or fail as their driver sees it go)."""
        if self.node is not None:
            self.node.stop()
