"""The processes of one session: a standing Ray node and everything it started (gcs, raylet, agents, workers)."""

from __future__ import annotations

import os

import psutil


def session_members(session: int) -> list[psutil.Process]:
    """Every live process whose session id is ``session`` (a process started with start_new_session leads one)."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == session:
                members.append(process)
        except OSError:
            pass  # gone meanwhile
    return members
