"""The private Ray runtime of one render: only the processes a render needs, on loopback."""

from __future__ import annotations

import psutil
import ray

from ray_pipeline.runtime import NOT_NEEDED


@ray.remote
def doubled(value: int) -> int:
    return 2 * value


def test_the_runtime_keeps_only_what_a_render_needs(ray_two_cpus):
    processes = ray._private.worker._global_node.all_processes
    for kind in NOT_NEEDED:
        assert all(info.process.poll() is not None for info in processes.get(kind, [])), f"{kind} still runs"
    for kind in ("gcs_server", "raylet"):
        assert all(psutil.pid_exists(info.process.pid) for info in processes[kind]), f"{kind} is needed"
    assert ray.get([doubled.remote(n) for n in range(8)]) == [2 * n for n in range(8)]
    names = [" ".join(child.cmdline()) for child in psutil.Process().children(recursive=True)]
    assert not [name for name in names if "monitor.py" in name or "dashboard.py" in name], names
