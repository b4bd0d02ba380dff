"""The local Ray runtime of one execution: loopback only, no dashboard unless profiling."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# Measured on Ray 2.60: with this set every port binds 127.0.0.1 (otherwise 0.0.0.0); no usage reporting.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray  # imported after the variables above are set


@contextmanager
def ray_runtime(cpus: int, *, dashboard: bool = False) -> Iterator[None]:
    """Start a private Ray runtime for the block, or reuse the one already running in this process."""
    if ray.is_initialized():
        yield
        return
    ray.init(
        address="local",
        num_cpus=cpus,
        include_dashboard=dashboard,
        dashboard_host="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()
