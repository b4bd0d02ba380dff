"""One settings class for the API, the render job and the launcher: embedded defaults, production from env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRET = "dev-only-insecure-secret-change-me"  # refused in production


def _default_library_dir() -> Path:
    """The shared move library when this checkout sits beside it, else a local folder."""
    shared = PROJECT_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else PROJECT_ROOT / "var" / "library"


class Settings(BaseSettings):
    """Every knob of the product; each has an embedded default that needs no services."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=AliasChoices("ENVIRONMENT", "BACHATA_ENVIRONMENT")
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET, validation_alias=AliasChoices("SECRET_KEY", "DJANGO_SECRET_KEY", "JWT_SECRET_KEY")
    )

    # Database: DATABASE_URL wins; else the original's DB_* variables; else SQLite under ./var/.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    db_host: str | None = Field(None, validation_alias="DB_HOST")
    db_port: int = Field(5432, validation_alias="DB_PORT")
    db_name: str = Field("bachata_buddy", validation_alias="DB_NAME")
    db_user: str = Field("postgres", validation_alias="DB_USER")
    db_password: str = Field("", validation_alias="DB_PASSWORD")
    auto_migrate: bool = Field(True, validation_alias="AUTO_MIGRATE")

    var_dir: Path = Field(PROJECT_ROOT / "var", validation_alias="VAR_DIR")
    frontend_dist: Path = Field(PROJECT_ROOT / "frontend" / "dist", validation_alias="FRONTEND_DIST")
    media_dir: Path | None = Field(None, validation_alias="MEDIA_DIR")
    library_dir: Path = Field(default_factory=_default_library_dir, validation_alias="LIBRARY_DIR")

    launcher: Literal["local", "cloudrun", "ray"] = Field("local", validation_alias="JOB_LAUNCHER")
    max_running_renders: int = Field(3, ge=1, validation_alias="MAX_RUNNING_RENDERS")  # the original's global cap
    max_running_renders_per_user: int = Field(2, ge=1, validation_alias="MAX_RUNNING_RENDERS_PER_USER")
    cloud_run_job_name: str = Field("bachata-render", validation_alias="CLOUD_RUN_JOB_NAME")
    # Not RAY_ADDRESS: Ray itself reads that name (inside a Ray job it points at the cluster, not the Jobs API).
    ray_jobs_address: str = Field("http://127.0.0.1:8265", validation_alias="RAY_JOBS_ADDRESS")
    stale_task_seconds: int = Field(120, ge=10, validation_alias="STALE_TASK_SECONDS")
    reaper_interval_seconds: float = Field(30, gt=0, validation_alias="REAPER_INTERVAL_SECONDS")
    upload_max_bytes: int = Field(25 * 1024 * 1024, validation_alias="UPLOAD_MAX_BYTES")
    signed_url_seconds: int = Field(600, ge=10, validation_alias="SIGNED_URL_SECONDS")

    render_cpus: int | None = Field(None, ge=1, validation_alias="RENDER_CPUS")
    render_size: str = Field("1280x720", validation_alias="RENDER_SIZE")
    index_backup_path: Path | None = Field(None, validation_alias="INDEX_BACKUP_PATH")

    # Production backends, each off by default: the in-process index, local files, no pose model.
    move_index: Literal["local", "elasticsearch"] = Field("local", validation_alias="MOVE_INDEX")
    storage_backend: Literal["local", "gcs"] = Field("local", validation_alias="STORAGE_BACKEND")
    pose_weights: Path | None = Field(None, validation_alias=AliasChoices("POSE_WEIGHTS", "YOLO_WEIGHTS"))
    elasticsearch_url: str | None = Field(None, validation_alias="ELASTICSEARCH_URL")
    elasticsearch_api_key: str | None = Field(None, validation_alias="ELASTICSEARCH_API_KEY")
    elasticsearch_index: str = Field("bachata_move_embeddings", validation_alias="ELASTICSEARCH_INDEX")
    gcs_bucket_name: str | None = Field(None, validation_alias="GCS_BUCKET_NAME")
    google_api_key: str | None = Field(None, validation_alias="GOOGLE_API_KEY")
    gcp_project_id: str | None = Field(None, validation_alias="GCP_PROJECT_ID")
    gcp_region: str = Field("us-central1", validation_alias="GCP_REGION")

    password_iterations: int = Field(1_000_000, ge=1, validation_alias="PASSWORD_ITERATIONS")
    access_token_minutes: int = Field(60, ge=1, validation_alias="ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(7, ge=1, validation_alias="REFRESH_TOKEN_DAYS")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        ["http://127.0.0.1:5173", "http://localhost:5173"], validation_alias="CORS_ORIGINS"
    )
    max_request_bytes: int = Field(1_048_576, validation_alias="MAX_REQUEST_BYTES")
    # Requests per minute per signed-in user (else per client address); login and starting renders are stricter.
    rate_limit_per_minute: int = Field(100, ge=1, validation_alias="RATE_LIMIT_PER_MINUTE")
    login_rate_limit_per_minute: int = Field(20, ge=1, validation_alias="LOGIN_RATE_LIMIT_PER_MINUTE")
    render_rate_limit_per_minute: int = Field(10, ge=1, validation_alias="RENDER_RATE_LIMIT_PER_MINUTE")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    @field_validator("pose_weights", "index_backup_path", "media_dir", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        # Deployment files pass optional paths as VAR=${VAR:-}: an empty value means "not set", not ".".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # CORS_ORIGINS is written as a comma-separated list in env files and deployment YAML.
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _backends_have_their_addresses(self) -> Settings:
        if self.move_index == "elasticsearch" and not self.elasticsearch_url:
            raise ValueError("MOVE_INDEX=elasticsearch needs ELASTICSEARCH_URL")
        if self.storage_backend == "gcs" and not self.gcs_bucket_name:
            raise ValueError("STORAGE_BACKEND=gcs needs GCS_BUCKET_NAME")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and (self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32):
            raise ValueError("SECRET_KEY must be set to a random value of at least 32 characters in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database to use: DATABASE_URL, else the original's DB_* variables, else embedded SQLite."""
        if self.database_url:
            return self.database_url
        if self.db_host:
            # A host starting with "/" is a socket directory (Cloud SQL's /cloudsql/<instance>): libpq takes it as
            # the host parameter, and there is no port in the URL.
            socket = self.db_host.startswith("/")
            return URL.create(
                "postgresql+psycopg2",
                username=self.db_user,
                password=self.db_password or None,
                host=None if socket else self.db_host,
                port=None if socket else self.db_port,
                database=self.db_name,
                query={"host": self.db_host} if socket else {},
            ).render_as_string(hide_password=False)
        return f"sqlite:///{self.var_dir / 'bachata.db'}"

    @property
    def cache_dir(self) -> Path:
        """Caches that survive between renders: clip analyses, rendered segments, numba's JIT."""
        return self.var_dir / "cache"

    @property
    def media_root(self) -> Path:
        """Where songs and rendered videos live locally (the bucket's layout under one folder)."""
        return self.media_dir or self.var_dir / "media"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
