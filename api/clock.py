"""Injectable time source, so expiry and rate limits are testable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def _clock(request: Request) -> Clock:
    return request.app.state.clock


RequestClock = Annotated[Clock, Depends(_clock)]
