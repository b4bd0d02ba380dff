"""The request's database session: one transaction per request, committed before the response is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session

# Why sessions are gated: a sync endpoint runs on a worker thread, and FastAPI validates its response on
# another worker thread before our commit gives the connection back. With more requests in flight than
# pooled connections, every worker thread can end up waiting for a connection that only a request waiting
# for a thread can return (measured: 100 simultaneous logins stalled for the pool's 30 s timeout). So no
# more requests hold a session than the pool has connections (``app.state.db_slots``); the rest wait on
# the event loop, holding nothing. Commits and closes run under their own thread limiter for the same reason.
_RELEASE_THREADS = anyio.CapacityLimiter(16)


async def _request_session(request: Request) -> AsyncIterator[Session]:
    async with request.app.state.db_slots:
        session: Session = request.app.state.session_factory()
        try:
            yield session
            await anyio.to_thread.run_sync(session.commit, limiter=_RELEASE_THREADS)
        except BaseException:
            await anyio.to_thread.run_sync(session.rollback, limiter=_RELEASE_THREADS)
            raise
        finally:
            await anyio.to_thread.run_sync(session.close, limiter=_RELEASE_THREADS)


# scope="function": the commit happens before the response goes out, so a failed commit is never a 200.
DbSession = Annotated[Session, Depends(_request_session, scope="function")]
