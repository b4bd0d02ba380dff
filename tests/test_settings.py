"""Settings: embedded defaults, the original's variable names, and the production secret guard."""

from __future__ import annotations

import secrets
import stat

import pytest
from pydantic import ValidationError

from bachata_common.settings import PROJECT_ROOT, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (
        "DATABASE_URL",
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "ENVIRONMENT",
        "SECRET_KEY",
        "DJANGO_SECRET_KEY",
        "CORS_ORIGINS",
        "GCS_BUCKET_NAME",
        "LIBRARY_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(PROJECT_ROOT / "tests")  # no stray .env file is read


def test_embedded_defaults_need_no_services():
    settings = Settings()
    assert settings.sqlalchemy_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'bachata.db'}"
    assert settings.media_root == PROJECT_ROOT / "var" / "media"
    assert settings.environment == "development"
    assert settings.password_iterations == 1_000_000
    shared = PROJECT_ROOT.parent / "shared" / "data"
    assert settings.library_dir == (shared if shared.is_dir() else PROJECT_ROOT / "var" / "library")


def test_original_db_variables_build_a_postgres_url(monkeypatch):
    monkeypatch.setenv("DB_HOST", "10.1.2.3")
    monkeypatch.setenv("DB_PORT", "6543")
    monkeypatch.setenv("DB_NAME", "bachata")
    monkeypatch.setenv("DB_USER", "app")
    monkeypatch.setenv("DB_PASSWORD", "p@ss/word")
    url = Settings().sqlalchemy_url
    assert url == "postgresql+psycopg2://app:p%40ss%2Fword@10.1.2.3:6543/bachata"


def test_database_url_wins_over_db_variables(monkeypatch):
    monkeypatch.setenv("DB_HOST", "ignored")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://u@h/db")
    assert Settings().sqlalchemy_url == "postgresql+psycopg2://u@h/db"


def test_original_names_for_services(monkeypatch):
    monkeypatch.setenv("GCS_BUCKET_NAME", "bachata-bucket")
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://es:9200")
    monkeypatch.setenv("GOOGLE_API_KEY", "key")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 40)
    settings = Settings()
    assert (settings.gcs_bucket_name, settings.elasticsearch_url, settings.google_api_key) == (
        "bachata-bucket",
        "http://es:9200",
        "key",
    )
    assert settings.secret_key == "x" * 40


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "is not set"),
        ("short", "shorter than 32"),
        ("django-insecure-" + "a1b2c3d4e5f6g7h8i9j0" * 2, "placeholder"),
        ("k" * 48, "too little randomness"),
        ("abab" * 12, "too little randomness"),
    ],
)
def test_production_refuses_weak_secrets(monkeypatch, tmp_path, key, problem):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ValidationError, match=problem):
        Settings()
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_production_takes_a_random_secret(monkeypatch):
    key = secrets.token_urlsafe(40)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    assert Settings().secret_key == key


def test_without_a_secret_each_machine_makes_its_own_and_keeps_it(tmp_path):
    first = Settings(var_dir=tmp_path / "a").secret_key
    assert len(first) >= 64 and Settings(var_dir=tmp_path / "a").secret_key == first  # kept across restarts
    assert stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode) == 0o600
    assert Settings(var_dir=tmp_path / "b").secret_key != first  # no key is shared between installs


def test_cors_origins_from_a_comma_list(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example.com, https://admin.example.com")
    assert Settings().cors_origins == ["https://app.example.com", "https://admin.example.com"]


def test_a_socket_directory_host_reaches_libpq_as_host_parameter():
    from sqlalchemy.engine import make_url

    url = make_url(Settings(db_host="/cloudsql/proj:us-central1:db", db_password="p@ss:word").sqlalchemy_url)
    assert (url.host, url.port, url.query["host"]) == (None, None, "/cloudsql/proj:us-central1:db")
    assert url.password == "p@ss:word"


def test_backends_need_their_addresses_and_blank_paths_mean_unset():
    with pytest.raises(ValueError, match="ELASTICSEARCH_URL"):
        Settings(move_index="elasticsearch")
    with pytest.raises(ValueError, match="GCS_BUCKET_NAME"):
        Settings(storage_backend="gcs")
    assert Settings(pose_weights="", index_backup_path=" ").pose_weights is None
