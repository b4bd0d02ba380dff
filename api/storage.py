"""The app's storage as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bachata_common.storage import LocalStorage


def _storage(request: Request) -> LocalStorage:
    return request.app.state.storage


AppStorage = Annotated[LocalStorage, Depends(_storage)]
