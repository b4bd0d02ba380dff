"""The standing Ray node the local launcher's renders join (`python -m ray_pipeline.node`), started on demand."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
START_DEADLINE_SECONDS = 120
STOP_GRACE_SECONDS = 10
# After a failed start, renders run on runtimes of their own for this long before the node is tried again
# (trying at once would hold every render in the queue for another failed start, and so on for ever).
RETRY_AFTER_SECONDS = 300


class RayNode:
    """One node process, started by ``start`` and ready once its address is known; renders launched before then
    wait, and if it cannot start they run on Ray runtimes of their own, as without it."""

    def __init__(self, *, cpus: int, cwd: Path | None, log_path: Path | None):
        self.cpus, self.cwd, self.log_path = cpus, cwd, log_path
        self.address: str | None = None
        self._process: subprocess.Popen | None = None
        self._log = None
        self._settled = threading.Event()
        self._failed_at: float | None = None

    @property
    def pid(self) -> int | None:
        """The node process's id, which is also its session's: Ray's processes share it."""
        return self._process.pid if self._process is not None else None

    @property
    def starting(self) -> bool:
        return self._process is not None and not self._settled.is_set()

    def usable(self) -> bool:
        """Started and still running (a node that stopped is started again by the next ``start``)."""
        return self.address is not None and self._process is not None and self._process.poll() is None

    def start(self, env: dict[str, str], on_settled: Callable[[], None]) -> None:
        """Start the node (with the renders' environment ``env``) unless it runs or is starting; ``on_settled`` is
        called once it is ready or has failed."""
        if self.starting or self.usable() or self._failed_recently():
            return
        self.stop()
        self._settled.clear()
        stderr = subprocess.DEVNULL
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            stderr = self._log = self.log_path.open("ab")
        # Its stdin is ours: when this process ends, however it ends, the node sees the pipe close and stops.
        self._process = subprocess.Popen(
            [sys.executable, "-m", "ray_pipeline.node", "--cpus", str(self.cpus), "--until-stdin-closes"],
            env=env,
            cwd=self.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # stopped as a group: the node and the Ray processes it started
        )
        threading.Thread(target=self._await_address, args=(self._process, on_settled), daemon=True).start()

    def _await_address(self, process: subprocess.Popen, on_settled: Callable[[], None]) -> None:
        timer = threading.Timer(START_DEADLINE_SECONDS, lambda: self._kill(process))
        timer.start()
        line = process.stdout.readline()
        timer.cancel()
        try:
            self.address = json.loads(line)["address"]
        except (ValueError, KeyError, TypeError):
            log.error("the standing Ray node did not start; renders start their own runtimes for a while")
            self._failed_at = time.monotonic()
            self._kill(process)
        self._settled.set()
        on_settled()

    def _failed_recently(self) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_SECONDS

    def wait_until_settled(self, timeout: float | None = None) -> bool:
        return self._settled.wait(timeout)

    def stop(self) -> None:
        """Stop the node and everything it started."""
        process, self._process, self.address = self._process, None, None
        if self._log is not None:
            self._log.close()
            self._log = None
        if process is None or process.poll() is not None:
            return
        process.stdin.close()  # asks it to shut Ray down cleanly
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._kill(process)
        self._kill_group(process)  # whatever of Ray outlived the node

    def _kill(self, process: subprocess.Popen) -> None:
        self._kill_group(process)
        process.wait()

    @staticmethod
    def _kill_group(process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
