"""The production move index's client, shared by the render job (search) and the API (health)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from bachata_common.settings import Settings

log = logging.getLogger(__name__)


def connect(url: str, *, api_key: str | None = None, timeout: float = 10.0) -> Elasticsearch:
    """A client for the index; retries are the caller's (with backoff), so the client's own are off."""
    from elasticsearch import Elasticsearch  # imported only where the index is configured

    return Elasticsearch(url, api_key=api_key, request_timeout=timeout, max_retries=0)


def index_reachable(settings: Settings) -> bool:
    """Whether the configured index answers (for health checks, one quick try); never raises."""
    try:
        client = connect(settings.elasticsearch_url, api_key=settings.elasticsearch_api_key, timeout=5.0)
        return bool(client.indices.exists(index=settings.elasticsearch_index))
    except Exception:
        log.warning("move index %s unreachable", settings.elasticsearch_index, exc_info=True)
        return False
