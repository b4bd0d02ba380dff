"""An Elasticsearch client whose HTTP transport is a recorder: every request is kept, answers come from a function."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse  # the type a node must return
from elasticsearch import Elasticsearch


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    body: Any  # the JSON body; a list of lines for bulk (NDJSON)


Respond = Callable[[Recorded], tuple[int, dict]]


def recording_client(respond: Respond) -> tuple[Elasticsearch, list[Recorded]]:
    """A real client (serialisation, headers, error mapping) whose node records instead of sending."""
    requests: list[Recorded] = []

    class RecordingNode(BaseNode):
        def perform_request(self, method, target, body=None, headers=None, request_timeout=None, **_):
            url = urlsplit(target)
            text = body.decode() if body else ""
            if url.path.endswith("/_bulk"):
                payload: Any = [json.loads(line) for line in text.splitlines() if line]
            else:
                payload = json.loads(text) if text else None
            params = {key: values[0] for key, values in parse_qs(url.query).items()}
            request = Recorded(method, url.path, params, payload)
            requests.append(request)
            status, answer = respond(request)
            meta = ApiResponseMeta(
                status=status,
                http_version="1.1",
                headers=HttpHeaders({"content-type": "application/json", "x-elastic-product": "Elasticsearch"}),
                duration=0.0,
                node=self.config,
            )
            return NodeApiResponse(meta, json.dumps(answer).encode())

    client = Elasticsearch("http://127.0.0.1:9200", node_class=RecordingNode, max_retries=0)
    return client, requests


def _matches(doc: dict, clause: dict) -> bool:
    ((field, value),) = clause["term"].items()
    return doc.get(field) == value


def knn_answer(documents: list[dict], body: dict) -> dict:
    """What an Elasticsearch 8 server answers to a kNN search with ``fields`` and ``_source: false``."""
    knn = body["knn"]
    must = knn.get("filter", {}).get("bool", {}).get("must", [])
    query = np.asarray(knn["query_vector"], dtype=np.float64)
    scored = []
    for doc in documents:
        if all(_matches(doc, clause) for clause in must):
            vector = np.asarray(doc[knn["field"]], dtype=np.float64)
            cosine = float(vector @ query / (np.linalg.norm(vector) * np.linalg.norm(query)))
            scored.append((knn["boost"] * (1 + cosine) / 2, doc))
    scored.sort(key=lambda pair: -pair[0])
    top = scored[: min(knn["k"], body.get("size", 10))]
    return search_answer([(score, doc) for score, doc in top], body["fields"])


def search_answer(scored: list[tuple[float | None, dict]], fields: list[str]) -> dict:
    """Hits in the server's shape: every requested field as a list (a vector is its list of floats)."""
    hits = []
    for score, doc in scored:
        values = {}
        for name in fields:
            if name in doc:
                values[name] = doc[name] if isinstance(doc[name], list) else [doc[name]]
        hits.append({"_index": "bachata_move_embeddings", "_id": doc["clip_id"], "_score": score, "fields": values})
    return {
        "took": 3,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(hits), "relation": "eq"},
            "max_score": hits[0]["_score"] if hits else None,
            "hits": hits,
        },
    }
