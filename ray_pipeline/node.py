"""`python -m ray_pipeline.node --cpus N`: a standing Ray node that renders join instead of each starting one.

Starting Ray takes ~3 s on 2 cores, longer than the rest of a render's start; the local launcher keeps one
node for all its renders, as production keeps its cluster. The node prints its address as one JSON line when
it is ready and runs until SIGTERM or Ctrl-C, or with --until-stdin-closes until its standard input closes
(so it never outlives the process that started it, however that one ends).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading


def answers(address: str | None, timeout: float = 1.0) -> bool:
    """Whether something listens at host:port (none given: no); asked before Ray is imported (Ray would retry
    for 20 s)."""
    if not address:
        return False
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError):
        return False
    return True


def serve(cpus: int, stop: threading.Event) -> None:
    """Run the node until ``stop`` is set; its address goes to stdout once it can take drivers, hearers warm."""
    import ray

    from ray_pipeline.runtime import ray_runtime
    from ray_pipeline.warm import start_warm_actors

    with ray_runtime(cpus):
        actors = start_warm_actors(cpus)  # held here: they live as long as the node
        address = ray.get_runtime_context().gcs_address
        print(json.dumps({"address": address, "cpus": cpus, "pid": os.getpid(), "actors": len(actors)}), flush=True)
        stop.wait()


def _stop_when_stdin_closes(stop: threading.Event) -> None:
    while sys.stdin.buffer.read(4096):
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ray_pipeline.node", description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs the node offers to renders")
    parser.add_argument("--until-stdin-closes", action="store_true", help="stop when standard input closes")
    args = parser.parse_args(argv)
    if args.cpus < 1:
        parser.error("--cpus must be at least 1")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.until_stdin_closes:
        threading.Thread(target=_stop_when_stdin_closes, args=(stop,), daemon=True).start()
    serve(args.cpus, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
