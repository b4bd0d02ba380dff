"""The production move index: the original's Elasticsearch index, queried with the original's exact bodies."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch

from ray_pipeline.errors import TransientFault
from ray_pipeline.library import MIN_QUALITY, Hits, MoveClip, MoveIndex, SearchIndex, _difficulty, _vector

log = logging.getLogger(__name__)

INDEX_NAME = "bachata_move_embeddings"
VECTOR_DIMS = {
    "audio_embedding": 128,
    "lead_embedding": 512,
    "follow_embedding": 512,
    "interaction_embedding": 256,
    "text_embedding": 384,
}
KEYWORDS = ("clip_id", "move_label", "difficulty", "energy_level", "lead_follow_roles")
FLOATS = ("estimated_tempo", "quality_score", "detection_rate")
# The order the original asks for them in its `fields` list.
FIELDS = [
    "clip_id",
    *[name for name in VECTOR_DIMS],
    "move_label",
    "difficulty",
    "energy_level",
    "lead_follow_roles",
    "estimated_tempo",
    "video_path",
    "quality_score",
    "detection_rate",
    "frame_count",
    "processing_time",
    "version",
]
KNN_K = 400  # top_k * 2 of the original's hybrid search (top_k 200)
RESULT_SIZE = 200
QUERY_BOOST = 0.35  # the audio modality's weight; no other query vectors are sent
RETRYABLE_STATUS = {429, 502, 503, 504}

T = TypeVar("T")


def index_mapping() -> dict[str, Any]:
    """The mapping the original's ``create_index`` sends (settings only for a self-managed, key-less server)."""
    properties: dict[str, Any] = {
        name: {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine"}
        for name, dims in VECTOR_DIMS.items()
    }
    properties.update({name: {"type": "keyword"} for name in KEYWORDS})
    properties.update(
        {
            "estimated_tempo": {"type": "float"},
            "video_path": {"type": "text"},
            "quality_score": {"type": "float"},
            "detection_rate": {"type": "float"},
            "frame_count": {"type": "integer"},
            "processing_time": {"type": "float"},
            "version": {"type": "keyword"},
            "created_at": {"type": "date"},
        }
    )
    return {"properties": properties}


LOCAL_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}


def _term_filter(difficulty: str | None, energy_level: str | None) -> list[dict]:
    """Term clauses only for the values given, in the original's order."""
    terms = [("difficulty", difficulty), ("energy_level", energy_level)]
    return [{"term": {field: value}} for field, value in terms if value is not None]


def knn_body(query: np.ndarray, *, difficulty: str | None, energy_level: str | None) -> dict[str, Any]:
    """The original's primary search: one kNN clause on the audio vector, vectors read through ``fields``."""
    knn: dict[str, Any] = {
        "field": "audio_embedding",
        "query_vector": [float(v) for v in query],
        "k": KNN_K,
        "num_candidates": KNN_K,
        "boost": QUERY_BOOST,
    }
    terms = _term_filter(difficulty, energy_level)
    if terms:
        knn["filter"] = {"bool": {"must": terms}}
    return {"knn": knn, "fields": FIELDS, "_source": False, "size": RESULT_SIZE}


def filtered_body(*, difficulty: str | None, energy_level: str | None) -> dict[str, Any]:
    """The original's fallback when the kNN search fails: every document passing the filters."""
    terms = _term_filter(difficulty, energy_level)
    query = {"bool": {"must": terms}} if terms else {"match_all": {}}
    return {"query": query, "fields": FIELDS, "_source": False}


def _first(fields: dict[str, list], name: str, default: Any = None) -> Any:
    values = fields.get(name)
    return values[0] if values else default


def clip_from_hit(hit: dict[str, Any], clips_root: Path) -> MoveClip:
    """A search hit read through the ``fields`` API (every value arrives as a list; a vector is its floats)."""
    fields = hit.get("fields", {})
    return MoveClip(
        clip_id=_first(fields, "clip_id", hit.get("_id")),
        move_label=_first(fields, "move_label", "unknown"),
        path=clips_root / _first(fields, "video_path", ""),
        difficulty=_difficulty(_first(fields, "difficulty", "")),
        energy_level=_first(fields, "energy_level", "medium"),
        estimated_tempo=float(_first(fields, "estimated_tempo", 120.0) or 120.0),
        audio_embedding=_vector(fields.get("audio_embedding")),
        pose_embedding=_vector(fields.get("lead_embedding")),
        quality_score=float(_first(fields, "quality_score", 1.0)),
    )


def document(clip: MoveClip, clips_root: Path) -> dict[str, Any]:
    """A clip as the original indexes it (the couple's pose vector goes in as the lead's)."""
    doc: dict[str, Any] = {
        "audio_embedding": [float(v) for v in clip.audio_embedding],
        "clip_id": clip.clip_id,
        "move_label": clip.move_label,
        "difficulty": clip.difficulty,
        "energy_level": clip.energy_level,
        "estimated_tempo": clip.estimated_tempo,
        "video_path": clip.path.relative_to(clips_root).as_posix(),
        "quality_score": clip.quality_score,
    }
    if clip.pose_embedding is not None:
        doc["lead_embedding"] = [float(v) for v in clip.pose_embedding]
    return doc


class ElasticsearchIndex(SearchIndex):
    """Search the original's index; unreachable (after retries) is a transient fault, so the job is retried."""

    def __init__(
        self,
        client: Elasticsearch,
        *,
        clips_root: Path,
        index: str = INDEX_NAME,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client, self.clips_root, self.index = client, clips_root, index
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep

    def _call(self, what: str, request: Callable[[], T]) -> T:
        """Run one request, retrying connection trouble and overload with exponential backoff."""
        for attempt in range(1, self.attempts + 1):
            try:
                return request()
            except (TransportConnectionError, ConnectionTimeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except ApiError as exc:
                if exc.meta.status not in RETRYABLE_STATUS:
                    raise
                problem = f"HTTP {exc.meta.status}"
            if attempt < self.attempts:
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("move index %s failed (%s); retry %d in %.1f s", what, problem, attempt, delay)
                self.sleep(delay)
        raise TransientFault("The move index is unreachable", cause=f"elasticsearch {what}: {problem}")

    def search(
        self, query: np.ndarray, *, difficulty: str | None = None, energy_level: str | None = None, size: int = 200
    ) -> Hits:
        """The original's kNN search; when the server refuses it, its fallback of reading the filtered documents."""
        body = knn_body(query, difficulty=difficulty, energy_level=energy_level)
        try:
            response = self._call("search", lambda: self.client.search(index=self.index, **body))
            hits = [(clip_from_hit(hit, self.clips_root), float(hit["_score"])) for hit in response["hits"]["hits"]]
        except ApiError as exc:
            log.warning("kNN search refused (HTTP %s); reading the filtered documents instead", exc.meta.status)
            hits = self._rank_in_process(query, difficulty=difficulty, energy_level=energy_level)
        kept = [(clip, score) for clip, score in hits if clip.quality_score >= MIN_QUALITY]
        kept.sort(key=lambda hit: -hit[1])
        return kept[:size]

    def _rank_in_process(self, query: np.ndarray, *, difficulty: str | None, energy_level: str | None) -> Hits:
        """The filtered documents, ranked by the same cosine scoring as the in-process index."""
        body = filtered_body(difficulty=difficulty, energy_level=energy_level)
        response = self._call("read", lambda: self.client.search(index=self.index, size=100, **body))
        clips = [clip_from_hit(hit, self.clips_root) for hit in response["hits"]["hits"]]
        clips = [clip for clip in clips if clip.audio_embedding is not None]
        return MoveIndex(clips).search(query) if clips else []

    def reachable(self) -> bool:
        """Whether the index answers (for health checks); never raises."""
        try:
            return bool(self.client.indices.exists(index=self.index))
        except Exception:
            log.warning("move index %s unreachable", self.index, exc_info=True)
            return False

    def rebuild(self, clips: Iterable[MoveClip], *, recreate: bool = False, local_server: bool = True) -> int:
        """(Re)index clips in bulk, as the original does: one bulk request, then a refresh. Returns the count."""
        indices = self.client.indices
        if recreate and self._call("check", lambda: indices.exists(index=self.index)):
            self._call("delete", lambda: indices.delete(index=self.index))
        if not self._call("check", lambda: indices.exists(index=self.index)):
            extra = {"settings": LOCAL_SETTINGS} if local_server else {}
            self._call("create", lambda: indices.create(index=self.index, mappings=index_mapping(), **extra))
        operations: list[dict] = []
        for clip in clips:
            operations += [{"index": {"_index": self.index, "_id": clip.clip_id}}, document(clip, self.clips_root)]
        if operations:
            response = self._call("bulk", lambda: self.client.bulk(operations=operations))
            if response.get("errors"):
                failed = [item for item in response["items"] if item["index"].get("error")]
                raise TransientFault("Indexing failed", cause=f"{len(failed)} documents refused: {failed[0]}")
        self._call("refresh", lambda: indices.refresh(index=self.index))
        return len(operations) // 2
