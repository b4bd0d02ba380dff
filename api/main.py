"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.auth.router import router as auth_router
from api.clock import Clock
from api.errors import install_error_handlers
from api.health import router as health_router
from bachata_common.db import utcnow
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine, create_session_factory
from bachata_common.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    """Build the app; tests pass their own session factory (bound to a rolled-back transaction) and clock."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if session_factory is not None:
            app.state.session_factory = session_factory
            yield
            return
        engine = create_db_engine(settings.sqlalchemy_url)
        if settings.auto_migrate:
            await run_in_threadpool(prepare_database, engine)
        app.state.session_factory = create_session_factory(engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Bachata Buddy API",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Range"],
    )
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(auth_router)
    return app
