"""The Ray runtime of one execution: a standing node it joins, or a private one on loopback."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import ray  # the package's __init__ has already set the variables that keep Ray on loopback

from ray_pipeline.node import answers

log = logging.getLogger(__name__)
# Ray starts in seconds here. A start that never returns (its processes are forked from this one, which once
# deadlocked) must not hold a render, its heartbeat and its slot for good: the process exits non-zero instead,
# so the reaper fails the row and Cloud Run retries.
START_DEADLINE_SECONDS = 180
EXIT_RETRY = 1


# Ray's head starts these for a cluster; a private runtime serving one render needs none of them. The
# autoscaler's monitor, the log monitor (logs are not sent to this driver) and the dashboard (unless profiling)
# hold ~275 MB between them, and the monitor alone makes every shutdown wait a second for it to go.
NOT_NEEDED = ("monitor", "log_monitor", "dashboard")


def _shed(kinds: tuple[str, ...]) -> None:
    """Stop Ray's processes of these kinds, which this process started (by PID, never by name)."""
    node = ray._private.worker._global_node
    for kind in kinds:
        for info in node.all_processes.get(kind, []):
            info.process.kill()
            info.process.wait()


def _exit_unless_started(started: threading.Event, deadline: float) -> None:
    if not started.wait(deadline):
        log.error("Ray did not start within %.0f s; exiting so the render can be retried", deadline)
        os._exit(EXIT_RETRY)


def _start(cpus: int, dashboard: bool, dashboard_port: int) -> None:
    up = threading.Event()
    threading.Thread(target=_exit_unless_started, args=(up, START_DEADLINE_SECONDS), daemon=True).start()
    try:
        ray.init(
            address="local",
            num_cpus=cpus,
            include_dashboard=dashboard,
            dashboard_host="127.0.0.1",
            dashboard_port=dashboard_port,
            log_to_driver=False,
            configure_logging=False,
        )
    finally:  # started or failed: either way it returned
        up.set()
    _shed(tuple(kind for kind in NOT_NEEDED if not (dashboard and kind == "dashboard")))


TASK_EVENTS = "RAY_task_events_report_interval_ms"


@contextmanager
def _task_events(*, recorded: bool) -> Iterator[None]:
    """Ray records task events only when ``recorded``: for the dashboard and the profile's timeline.

    A driver that records them spends ~0.25 s flushing them as it disconnects (measured: ray.shutdown 0.28 s,
    0.04 s without). Ray reads the variable as it starts, so it is set for the start only, and no process this
    one starts later (another render, a profiled one) inherits it.
    """
    before = os.environ.pop(TASK_EVENTS, None)
    if not recorded:
        os.environ[TASK_EVENTS] = "0"
    try:
        yield
    finally:
        os.environ.pop(TASK_EVENTS, None)
        if before is not None:
            os.environ[TASK_EVENTS] = before


@contextmanager
def ray_runtime(
    cpus: int,
    *,
    node: str | None = None,
    dashboard: bool = False,
    dashboard_port: int = 8265,
    timings: dict[str, float] | None = None,
    stop_in_background: bool = False,
) -> Iterator[None]:
    """Join the Ray node at ``node`` (host:port) if it answers, else start a private runtime for the block;
    reuse the one already running in this process.

    Submitted through the Ray Jobs API, the job joins the cluster it runs on instead (Ray sets both variables).
    ``timings`` gets how long starting or joining (``ray_start``) took, and stopping (``ray_stop``) unless it
    happens in the background: stopping a private runtime takes over a second (each of Ray's processes is given
    time to exit), which a render's publishing need not wait for; the process still waits for it before it exits.
    """
    timings = {} if timings is None else timings
    if ray.is_initialized():
        yield
        return
    started = time.perf_counter()
    with _task_events(recorded=dashboard):
        if "RAY_JOB_CONFIG_JSON_ENV_VAR" in os.environ and os.environ.get("RAY_ADDRESS"):
            ray.init(address=os.environ["RAY_ADDRESS"], log_to_driver=False, configure_logging=False)
        elif answers(node):
            ray.init(address=node, log_to_driver=False, configure_logging=False)  # token: see __init__
            log.info("joined the Ray node at %s", node)
        else:
            if node:
                log.warning("the Ray node at %s does not answer; this render starts a runtime of its own", node)
            _start(cpus, dashboard, dashboard_port)
    timings["ray_start"] = round(time.perf_counter() - started, 3)
    try:
        yield
    finally:
        if stop_in_background:
            threading.Thread(target=ray.shutdown, name="ray-stop").start()  # not a daemon: exit waits for it
        else:
            stopping = time.perf_counter()
            ray.shutdown()
            timings["ray_stop"] = round(time.perf_counter() - stopping, 3)
