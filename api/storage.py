"""The app's storage as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bachata_common.storage import Storage


def _storage(request: Request) -> Storage:
    return request.app.state.storage


AppStorage = Annotated[Storage, Depends(_storage)]
