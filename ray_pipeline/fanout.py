"""Spread a list of per-file jobs over Ray tasks in batches, so each task does enough work to be worth it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import ray

Outcome = tuple[str, Any, str | None]  # (path, result or None, error or None)


def batches(items: list, parts: int) -> list[list]:
    """``items`` cut into at most ``parts`` nearly equal runs, in order."""
    size = max(1, -(-len(items) // parts))
    return [items[i : i + size] for i in range(0, len(items), size)]


def each_path(work: Callable[[str], Any], paths: list[str]) -> list[Outcome]:
    """Run ``work`` on every path; one failing file is reported, not raised, so it cannot sink the batch."""
    outcomes = []
    for path in paths:
        try:
            outcomes.append((path, work(path), None))
        except Exception as exc:
            outcomes.append((path, None, f"{type(exc).__name__}: {exc}"))
    return outcomes


def fan_out(task: Any, paths: list[str], parts: int, *args: Any) -> Iterator[Outcome]:
    """Submit ``task.remote(batch, *args)`` per batch of paths and yield every path's outcome as batches finish."""
    pending = [task.remote(batch, *args) for batch in batches(paths, parts)]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield from ray.get(done[0])
