"""The FastAPI application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.admin.router import router as admin_router
from api.auth.router import router as auth_router
from api.body_limit import BodySizeLimit
from api.choreography.describe import GeminiCall
from api.choreography.router import router as choreography_router
from api.class_plans.router import router as class_plans_router
from api.class_plans.service import EXPORT_STYLE
from api.client_address import networks
from api.clock import Clock
from api.collections.router import router as collections_router
from api.docs import install_docs
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.health import router as health_router
from api.input_guards import InputGuards
from api.launcher import build_launcher
from api.observability import JSON_LOGS, RequestContext, configure_logging
from api.rate_limit import RateLimit
from api.reaper import ReaperThread
from api.security_headers import SecurityHeaders, inline_style_page
from api.songs.router import router as songs_router
from api.spa import install_spa
from api.videos.router import router as videos_router
from bachata_common.db import utcnow
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import connection_slots, create_db_engine, create_session_factory
from bachata_common.settings import Settings, get_settings
from bachata_common.storage import open_storage
from job_launcher.base import Launcher

JSON_BODY_LIMIT = 1024 * 1024
UPLOAD_PATHS = ("/api/songs",)
TEST_DB_SLOTS = 20


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock = utcnow,
    launcher: Launcher | None = None,
    gemini: GeminiCall | None = None,
) -> FastAPI:
    """Build the app; tests pass their own session factory (bound to a rolled-back transaction), clock,
    launcher and Gemini stand-in."""
    settings = settings or get_settings()
    if os.environ.get(JSON_LOGS):
        configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if session_factory is not None:
            app.state.session_factory = session_factory
            app.state.db_slots = anyio.Semaphore(TEST_DB_SLOTS)
            yield
            return
        engine = create_db_engine(settings.sqlalchemy_url)
        app.state.db_slots = anyio.Semaphore(connection_slots(engine))
        if settings.auto_migrate:
            await run_in_threadpool(prepare_database, engine)
        app.state.session_factory = create_session_factory(engine)
        reaper = ReaperThread(
            sessions=app.state.session_factory, launcher=app.state.launcher, settings=settings, clock=clock
        )
        reaper.start()
        try:
            yield
        finally:
            reaper.stop()
            app.state.launcher.close()
            engine.dispose()

    app = FastAPI(
        title="Bachata Buddy API",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by install_docs, from the app's own copy of Swagger UI
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.storage = open_storage(settings)
    app.state.launcher = launcher or build_launcher(settings)
    app.state.gemini = gemini
    app.state.trusted_proxies = trusted_proxies = networks(settings.trusted_proxies)
    # Innermost of the guards: inside the body limit, so the JSON it reads is already capped.
    app.add_middleware(
        InputGuards,
        upload_paths=UPLOAD_PATHS,
        secret=settings.secret_key,
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        clock=clock,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Range"],
    )
    app.add_middleware(
        BodySizeLimit,
        default_limit=JSON_BODY_LIMIT,
        upload_limit=settings.upload_max_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        strict={
            "/api/auth/login": settings.login_rate_limit_per_minute,
            "/api/choreography/generate": settings.render_rate_limit_per_minute,
            "/api/choreography/describe": settings.render_rate_limit_per_minute,
            "/api/songs": settings.upload_rate_limit_per_minute,
        },
        secret=settings.secret_key,
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        trusted_proxies=trusted_proxies,
        clock=clock,
    )
    app.add_middleware(
        SecurityHeaders,
        export_policy=inline_style_page(EXPORT_STYLE),
        strict_transport=settings.environment == "production",
    )
    app.add_middleware(RequestContext)  # outermost: every response, even a refusal, carries a request id
    install_error_handlers(app)
    routers = (
        health_router,
        auth_router,
        songs_router,
        choreography_router,
        videos_router,
        collections_router,
        class_plans_router,
        admin_router,
    )
    for router in routers:
        app.include_router(router, responses=ERROR_RESPONSES)
    install_docs(app)
    install_spa(app, settings.frontend_dist)  # last: its catch-all route must not shadow the API
    return app
