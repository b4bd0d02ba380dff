"""Fuzzing with schemathesis against the app's live OpenAPI schema, as a signed-in instructor: bounded
(16 cases per operation, about 500 in all) and derandomized, so every run tries the same cases."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app
from bachata_common.db import User
from tests.conftest import rolled_back_sessions
from tests.support.api import signed_in
from tests.support.launchers import RecordingLauncher

CASES_PER_OPERATION = 16


@pytest.fixture(scope="module")
def fuzzed_app(sqlite_engine, tmp_path_factory, demo_library):
    from fastapi.testclient import TestClient

    from bachata_common.settings import Settings
    from tests.conftest import TEST_ITERATIONS, TEST_SECRET

    settings = Settings(
        environment="test",
        secret_key=TEST_SECRET,
        var_dir=tmp_path_factory.mktemp("fuzz"),
        library_dir=demo_library,
        password_iterations=TEST_ITERATIONS,
        rate_limit_per_minute=100_000,  # the fuzzer is one very busy user; limits have their own tests
        login_rate_limit_per_minute=100_000,
        render_rate_limit_per_minute=100_000,
    )
    with rolled_back_sessions(sqlite_engine) as sessions:
        app = create_app(settings, session_factory=sessions, launcher=RecordingLauncher())
        with TestClient(app) as client:  # runs the lifespan; schemathesis then calls the app in process
            user = signed_in(client)
            with sessions() as session:
                session.get(User, user["user"]["id"]).is_instructor = True
                session.commit()
            yield app, {"Authorization": f"Bearer {user['access']}"}


def _fuzz(operation, headers: dict[str, str], calls: list[int]) -> None:
    @settings(
        max_examples=CASES_PER_OPERATION,
        derandomize=True,  # a fixed seed: the same cases every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report the case as generated, without shrinking it
    )
    @given(case=operation.as_strategy())
    def run(case) -> None:
        calls.append(1)
        # 2xx for every schema-valid input is not a promise we make: random ids are 404, caps answer 429.
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        content_type = (response.headers.get("content-type") or [""])[0]  # schemathesis lists header values
        if response.status_code >= 400 and content_type.startswith("application/json"):
            assert set(response.json()["error"]) == {"code", "message", "details"}, response.text

    run()


def test_no_server_errors_and_every_response_matches_the_schema(fuzzed_app):
    app, headers = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures, calls, operations = [], [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ("/api/auth/logout",):
            continue  # it would sign the fuzzing user out half-way; its refusals are tested in the auth suite
        operations += 1
        try:
            _fuzz(operation, headers, calls)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
    print(f"fuzzed {operations} operations with {len(calls)} cases")
    assert operations >= 30 and len(calls) >= 300  # the bound is real: hundreds of cases ran
