"""Health, OpenAPI docs and the error shape for unknown routes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from api.main import create_app
from bachata_common.db.engine import create_db_engine


def test_health_reports_each_check(client, settings, demo_library):
    settings.library_dir = demo_library
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "index": "ok"}}


def test_health_is_503_without_a_move_index(client, settings, tmp_path):
    settings.library_dir = tmp_path / "no-library"
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"]["index"] == "failing"


def test_health_is_503_when_the_database_is_unreachable(settings, demo_library):
    settings.library_dir = demo_library
    dead = create_db_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none?connect_timeout=1")
    with TestClient(create_app(settings, session_factory=sessionmaker(dead))) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing", "storage": "ok", "index": "ok"}


def test_health_is_503_when_storage_is_not_writable(settings, session_factory, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the media folder should be")
    settings.media_dir = blocker
    with TestClient(create_app(settings, session_factory=session_factory)) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failing"


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/openapi.json").json()
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/me",
        "/api/health",
    ]:
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_unknown_routes_and_methods_use_the_error_shape(client):
    assert client.get("/api/nope").json()["error"]["code"] == "not_found"
    response = client.delete("/api/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_validation_error(client):
    response = client.post("/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_cors_allows_only_configured_origins(client):
    allowed = client.options(
        "/api/health", headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}
    )
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:5173"
    refused = client.options(
        "/api/health", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in refused.headers


def test_a_multi_worker_server_turns_nagle_off_for_its_connections():
    import socket

    from api.server_config import NoDelayConfig

    sock = NoDelayConfig("api.main:create_app", factory=True, host="127.0.0.1", port=0, workers=2).bind_socket()
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()
