"""The local Ray runtime of one execution: loopback only, no dashboard unless profiling."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import ray  # the package's __init__ has already set the variables that keep Ray on loopback


@contextmanager
def ray_runtime(cpus: int, *, dashboard: bool = False, dashboard_port: int = 8265) -> Iterator[None]:
    """Start a private Ray runtime for the block, or reuse the one already running in this process.

    Submitted through the Ray Jobs API, the job joins the cluster it runs on instead (Ray sets both variables).
    """
    if ray.is_initialized():
        yield
        return
    if "RAY_JOB_CONFIG_JSON_ENV_VAR" in os.environ and os.environ.get("RAY_ADDRESS"):
        ray.init(address=os.environ["RAY_ADDRESS"], log_to_driver=False, configure_logging=False)
        try:
            yield
        finally:
            ray.shutdown()
        return
    ray.init(
        address="local",
        num_cpus=cpus,
        include_dashboard=dashboard,
        dashboard_host="127.0.0.1",
        dashboard_port=dashboard_port,
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
