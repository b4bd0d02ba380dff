"""The Ray runtime of one render: a private one with only the processes a render needs, or a standing node."""

from __future__ import annotations

import subprocess
import sys

import psutil
import ray

from ray_pipeline.runtime import NOT_NEEDED
from tests.support.ports import free_port


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


def test_a_render_whose_node_does_not_answer_starts_a_runtime_of_its_own():
    """A standing node that has gone must not fail the render (nor hold it for Ray's 20 s of retries)."""
    gone = f"127.0.0.1:{free_port()}"
    script = (
        "import ray; from ray_pipeline.runtime import ray_runtime\n"
        f"with ray_runtime(1, node={gone!r}):\n"
        "    print(ray.get_runtime_context().gcs_address, ray.get(ray.put(7)))\n"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    address, value = child.stdout.split()
    assert address != gone and value == "7"
    assert f"the Ray node at {gone} does not answer" in child.stderr
