"""Shared fixtures: settings, clock, databases (SQLite and a throwaway PostgreSQL 15), app client."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import ray_pipeline  # noqa: F401  first: it sets what Ray reads as it is imported (loopback, token auth)
from api.main import create_app
from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import Settings
from tests.support.launchers import RecordingLauncher
from tests.support.postgres import ThrowawayPostgres, current_user_can_run_server, find_bin_dir

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET = "test-secret-key-long-enough-for-any-hmac-algorithm-0123456789abcdef"
TEST_ITERATIONS = 1_000  # ~1 ms per hash; the legacy suite checks real 1M-iteration hashes


def pytest_configure(config: pytest.Config) -> None:
    # A run stopped with SIGTERM (CI timeout, `timeout`) still tears fixtures down and stops its servers.
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def require(condition: bool, reason: str) -> None:
    """Skip with a visible reason on a person's machine; fail in CI, which must exercise everything."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require(
        (SHARED_DIR / "legacy" / "original_db.sql").exists(),
        f"{SHARED_DIR} (legacy dump, real data) is absent",
    )
    return SHARED_DIR


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    bin_dir = find_bin_dir()
    require(
        bin_dir is not None and current_user_can_run_server(),
        "PostgreSQL 15 server not installed (run `make test`, or apt-get install postgresql as root)",
    )
    server = ThrowawayPostgres(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


def _prepared_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    prepare_database(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _prepared_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine(postgres: ThrowawayPostgres) -> Iterator[Engine]:
    """A fresh (non-legacy) PostgreSQL database bootstrapped by our own code."""
    engine = _prepared_engine(postgres.create_database("fresh"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def committed_postgresql_engine(postgres: ThrowawayPostgres) -> Iterator[Engine]:
    """A database of its own for renders run in other processes, whose commits cannot be rolled back."""
    engine = _prepared_engine(postgres.create_database("committed"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each database test runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@contextmanager
def rolled_back_sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions joined to an outer transaction that is rolled back afterwards (commits become savepoints)."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    with rolled_back_sessions(engine) as factory:
        yield factory


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        secret_key=TEST_SECRET,
        var_dir=tmp_path / "var",
        password_iterations=TEST_ITERATIONS,
    )


@pytest.fixture
def launcher() -> RecordingLauncher:
    return RecordingLauncher()


@pytest.fixture
def client(
    settings: Settings, session_factory: sessionmaker[Session], clock: FakeClock, launcher: RecordingLauncher
) -> Iterator[TestClient]:
    app = create_app(settings, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def real_library_dir(shared_dir: Path) -> Path:
    """The real move library (149 clips)."""
    library = shared_dir / "data"
    require((library / "move_embeddings.json").exists(), f"{library} (the real move library) is absent")
    return library


@pytest.fixture(scope="session")
def demo_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated library in the real format (labelled test-pattern clips with grooves)."""
    from ray_pipeline.synthetic import make_library

    return make_library(tmp_path_factory.mktemp("demo-library"))


@pytest.fixture(scope="session")
def prepared(demo_library: Path, tmp_path_factory: pytest.TempPathFactory):
    """One demo clip's analysis and its prepared copy at 320x180."""
    from ray_pipeline.clip_analysis import analyse_clip
    from ray_pipeline.formats import OutputFormat
    from ray_pipeline.library import load_library, playable
    from ray_pipeline.prepared import PreparedLibrary, prepare_clip

    clip = playable(load_library(demo_library))[1]
    analysis = analyse_clip(clip.path)
    output = OutputFormat(320, 180)
    target = PreparedLibrary(tmp_path_factory.mktemp("p")).path(analysis, output)
    return analysis, prepare_clip(clip.path, analysis, output, target)


@pytest.fixture(scope="session")
def session_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VAR_DIR shared by the session's renders, so clip analyses and segments are cached as in deployment."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def render_cache(session_var_dir: Path) -> Path:
    return Settings(var_dir=session_var_dir).cache_dir


@pytest.fixture(scope="module")
def ray_two_cpus() -> Iterator[None]:
    """One real local Ray runtime (2 CPUs, loopback) per test module."""
    from ray_pipeline.runtime import ray_runtime

    with ray_runtime(2):
        yield
