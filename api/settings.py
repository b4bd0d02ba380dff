"""The app's settings as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bachata_common.settings import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(_settings)]
