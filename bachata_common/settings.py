"""One settings class for the API, the render job and the launcher: embedded defaults, production from env."""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bachata_common.paths import PROJECT_ROOT

PLACEHOLDER_WORDS = ("insecure", "changeme", "change-me", "change_me", "placeholder", "example", "secret-key")


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
    # Signs tokens and video links. Unset outside production: a random key made on first start, kept in VAR_DIR.
    secret_key: str | None = Field(
        None, validation_alias=AliasChoices("SECRET_KEY", "DJANGO_SECRET_KEY", "JWT_SECRET_KEY")
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
    # What one dancer's uploaded songs may take up in storage, together.
    upload_quota_bytes: int = Field(200 * 1024 * 1024, ge=0, validation_alias="UPLOAD_QUOTA_BYTES")
    signed_url_seconds: int = Field(600, ge=10, validation_alias="SIGNED_URL_SECONDS")

    render_cpus: int | None = Field(None, ge=1, validation_alias="RENDER_CPUS")
    # How often a failed render is run again (Cloud Run's maxRetries; the local and Ray launchers never retry),
    # and which attempt this is (Cloud Run counts from 0): a failure message says whether another try follows.
    render_max_retries: int = Field(0, ge=0, validation_alias="RENDER_MAX_RETRIES")
    render_attempt: int = Field(0, ge=0, validation_alias="CLOUD_RUN_TASK_ATTEMPT")
    render_size: str = Field("1280x720", validation_alias="RENDER_SIZE")
    # A Ray node already running (host:port of its GCS) that renders join instead of each starting its own:
    # the local launcher's standing node, as a render on the production cluster joins the cluster.
    render_ray_node: str | None = Field(None, validation_alias="RENDER_RAY_NODE")
    # The local launcher keeps one Ray node running for its renders (started with the first render).
    local_ray_node: bool = Field(True, validation_alias="LOCAL_RAY_NODE")
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
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated): nginx, Cloud Run's
    # front end. Empty: the peer's own address is the client's, whatever the request's headers say.
    trusted_proxies: Annotated[list[str], NoDecode] = Field([], validation_alias="TRUSTED_PROXIES")
    # Requests per minute per signed-in user (else per client address); login and starting renders are stricter.
    rate_limit_per_minute: int = Field(100, ge=1, validation_alias="RATE_LIMIT_PER_MINUTE")
    login_rate_limit_per_minute: int = Field(20, ge=1, validation_alias="LOGIN_RATE_LIMIT_PER_MINUTE")
    render_rate_limit_per_minute: int = Field(10, ge=1, validation_alias="RENDER_RATE_LIMIT_PER_MINUTE")
    upload_rate_limit_per_minute: int = Field(10, ge=1, validation_alias="UPLOAD_RATE_LIMIT_PER_MINUTE")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    @field_validator("pose_weights", "index_backup_path", "media_dir", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        # Deployment files pass optional paths as VAR=${VAR:-}: an empty value means "not set", not ".".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        # Lists are written comma-separated in env files and deployment YAML.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an address or a network") from exc
        return value

    @model_validator(mode="after")
    def _backends_have_their_addresses(self) -> Settings:
        if self.move_index == "elasticsearch" and not self.elasticsearch_url:
            raise ValueError("MOVE_INDEX=elasticsearch needs ELASTICSEARCH_URL")
        if self.storage_backend == "gcs" and not self.gcs_bucket_name:
            raise ValueError("STORAGE_BACKEND=gcs needs GCS_BUCKET_NAME")
        return self

    @model_validator(mode="after")
    def _a_real_secret(self) -> Settings:
        if self.environment == "production":
            problem = "is not set" if self.secret_key is None else weak_secret(self.secret_key)
            if problem:
                raise ValueError(f"SECRET_KEY {problem}: set a random value of at least 32 characters in production")
        elif self.secret_key is None:
            self.secret_key = local_secret(self.var_dir / "secret_key")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database to use: DATABASE_URL, else the original's DB_* variables, else embedded SQLite."""
        if self.database_url:
            return self.database_url
        if self.db_host:
            from sqlalchemy.engine import URL  # here: the render CLI reads the settings but no database (0.1 s)

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


def weak_secret(key: str) -> str | None:
    """Why a signing key is unfit for production, or None: short, a known placeholder, or little entropy."""
    if len(key) < 32:
        return "is shorter than 32 characters"
    if any(word in key.lower() for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder"
    counts = Counter(key)
    entropy = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if len(counts) < 10 or entropy < 3.0:  # a random URL-safe key carries ~5.9 bits a character
        return "has too little randomness"
    return None


def local_secret(path: Path) -> str:
    """This machine's signing key: made once (random, readable by its owner only), then read back."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)  # fails if another process made it first: then theirs is the key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


class JobSettings(Settings):
    """The render job's settings: it signs nothing, so it is given no signing key and needs none."""

    @model_validator(mode="after")
    def _a_real_secret(self) -> JobSettings:
        return self


# Read by the API alone: a render process is never given them (it signs nothing and asks no language model).
API_ONLY = frozenset({"SECRET_KEY", "DJANGO_SECRET_KEY", "JWT_SECRET_KEY", "GOOGLE_API_KEY"})


def environment_names() -> set[str]:
    """Every environment variable the settings read (each field's name and its aliases)."""
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names |= set(alias.choices) if isinstance(alias, AliasChoices) else {alias}
    return names


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
