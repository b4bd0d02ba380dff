"""Run the reaper periodically inside the API process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from api.choreography.service import reap, stop_executions
from bachata_common.settings import Settings
from job_launcher.base import Launcher

log = logging.getLogger(__name__)


class ReaperThread:
    """Every ``settings.reaper_interval_seconds``: fail renders that died, in one short transaction."""

    def __init__(
        self, *, sessions: sessionmaker[Session], launcher: Launcher, settings: Settings, clock: Callable[[], datetime]
    ):
        self.sessions, self.launcher, self.settings, self.clock = sessions, launcher, settings, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reaper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.reaper_interval_seconds):
            try:
                with self.sessions.begin() as session:
                    reaped = reap(session=session, launcher=self.launcher, settings=self.settings, now=self.clock())
                stop_executions(self.launcher, reaped)
                if reaped:
                    log.info("reaper marked %d dead render(s) failed and stopped them", len(reaped))
            except Exception:  # the next round tries again; the API keeps serving
                log.warning("reaper round failed", exc_info=True)
