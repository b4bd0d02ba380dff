"""The Elasticsearch adapter by contract: the original's exact request bodies, its response shape, its fallbacks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from elastic_transport import ConnectionError as TransportConnectionError

from bachata_common.search import connect
from ray_pipeline.errors import TransientFault
from ray_pipeline.es_index import ElasticsearchIndex, index_mapping
from ray_pipeline.library import MoveIndex, load_index_backup
from tests.support.elasticsearch import Recorded, knn_answer, recording_client, search_answer


@pytest.fixture(scope="module")
def recorded(shared_dir):
    return json.loads((shared_dir / "legacy" / "es_queries.json").read_text())


@pytest.fixture(scope="module")
def backup_docs(shared_dir) -> list[dict]:
    return json.loads((shared_dir / "legacy" / "embeddings_backup.json").read_text())["embeddings"]


def _server(documents: list[dict]):
    """Answer kNN searches over the documents as the server would."""

    def respond(request: Recorded) -> tuple[int, dict]:
        return 200, knn_answer(documents, request.body)

    return respond


def _index(respond, tmp_path, **options) -> tuple[ElasticsearchIndex, list[Recorded], list[float]]:
    client, requests = recording_client(respond)
    sleeps: list[float] = []
    return ElasticsearchIndex(client, clips_root=tmp_path, sleep=sleeps.append, **options), requests, sleeps


def _without_vector(body: dict) -> dict:
    knn = {key: value for key, value in body["knn"].items() if key != "query_vector"}
    return {**body, "knn": knn}


def test_primary_search_sends_the_originals_exact_body(recorded, backup_docs, tmp_path):
    index, requests, _ = _index(_server(backup_docs), tmp_path)
    query = np.asarray(backup_docs[0]["audio_embedding"], dtype=np.float32)
    index.search(query, difficulty="intermediate", energy_level="medium")
    (request,) = requests
    expected = recorded["primary_knn_search"]
    assert (request.method, request.path) == ("POST", f"/{expected['index']}/_search")
    assert _without_vector(request.body) == _without_vector(expected["body"])
    assert request.body["knn"]["query_vector"] == pytest.approx(query.tolist())


def test_difficulty_only_sends_one_term(recorded, backup_docs, tmp_path):
    index, requests, _ = _index(_server(backup_docs), tmp_path)
    index.search(np.ones(128), difficulty="beginner")
    expected = _without_vector(recorded["primary_knn_search"]["body"])
    expected["knn"]["filter"] = {"bool": {"must": [{"term": {"difficulty": "beginner"}}]}}
    assert _without_vector(requests[0].body) == expected


def test_fallback_ladder_drops_energy_then_difficulty(recorded, backup_docs, tmp_path):
    few = [doc for doc in backup_docs if doc["difficulty"] == "advanced"][:3]
    index, requests, _ = _index(_server(few), tmp_path)
    hits, used = index.candidates(np.ones(128), difficulty="advanced", energy_level="high")
    assert used == {"difficulty": None, "energy_level": None}
    assert len(hits) == 3
    filters = [request.body["knn"].get("filter") for request in requests]
    assert filters == [
        {"bool": {"must": [{"term": {"difficulty": "advanced"}}, {"term": {"energy_level": "high"}}]}},
        {"bool": {"must": [{"term": {"difficulty": "advanced"}}]}},
        None,  # the original sends no filter at all on the last step
    ]
    unfiltered = _without_vector(recorded["primary_knn_search"]["body"])
    del unfiltered["knn"]["filter"]
    assert _without_vector(requests[2].body) == unfiltered


def test_a_refused_knn_search_falls_back_to_reading_the_filtered_documents(recorded, backup_docs, tmp_path):
    def respond(request: Recorded) -> tuple[int, dict]:
        if "knn" in request.body:
            return 400, {"error": {"type": "search_phase_execution_exception"}, "status": 400}
        matching = [doc for doc in backup_docs if doc["difficulty"] == "intermediate"]
        return 200, search_answer([(1.0, doc) for doc in matching], request.body["fields"])

    index, requests, _ = _index(respond, tmp_path)
    query = np.asarray(backup_docs[3]["audio_embedding"])
    hits = index.search(query, difficulty="intermediate")
    fallback = requests[1].body
    size = fallback.pop("size", None) or int(requests[1].params["size"])
    assert fallback == recorded["fallback_get_all_embeddings"]["body"]
    assert size == recorded["fallback_get_all_embeddings"]["size"]
    expected = MoveIndex(load_index_backup_docs(backup_docs, tmp_path)).search(query, difficulty="intermediate")
    assert [clip.clip_id for clip, _ in hits] == [clip.clip_id for clip, _ in expected]


def load_index_backup_docs(documents: list[dict], root):
    path = root / "backup.json"
    path.write_text(json.dumps({"embeddings": documents}))
    return load_index_backup(path, root)


@pytest.mark.parametrize(
    ("difficulty", "energy"),
    [("intermediate", "medium"), ("beginner", None), ("advanced", "high"), ("intermediate", "low")],
)
def test_same_candidates_as_the_in_process_index_on_the_38_documents(shared_dir, backup_docs, difficulty, energy):
    clips_root = shared_dir / "data"
    in_process = MoveIndex(load_index_backup(shared_dir / "legacy" / "embeddings_backup.json", clips_root))
    index, _, _ = _index(_server(backup_docs), clips_root)
    rng = np.random.default_rng(7)
    for query in [rng.normal(size=128), np.asarray(backup_docs[5]["audio_embedding"])]:
        ours, ours_filters = index.candidates(query, difficulty=difficulty, energy_level=energy)
        theirs, their_filters = in_process.candidates(query, difficulty=difficulty, energy_level=energy)
        assert ours_filters == their_filters
        assert [(c.clip_id, c.path, c.difficulty, c.energy_level) for c, _ in ours] == [
            (c.clip_id, c.path, c.difficulty, c.energy_level) for c, _ in theirs
        ]
        assert [score for _, score in ours] == pytest.approx([score for _, score in theirs], abs=1e-6)
        assert all(c.quality_score >= 0.5 for c, _ in ours)


def test_low_quality_documents_are_dropped_after_the_search(backup_docs, tmp_path):
    docs = [{**doc, "quality_score": 0.3 if i % 2 else doc["quality_score"]} for i, doc in enumerate(backup_docs)]
    index, _, _ = _index(_server(docs), tmp_path)
    hits = index.search(np.ones(128))
    assert hits and all(clip.quality_score >= 0.5 for clip, _ in hits)
    assert len(hits) == sum(1 for doc in docs if doc["quality_score"] >= 0.5)


def test_overload_is_retried_with_backoff_then_succeeds(backup_docs, tmp_path):
    answers = iter([(503, {"error": "unavailable", "status": 503}), (429, {"error": "busy", "status": 429})])

    def respond(request: Recorded) -> tuple[int, dict]:
        return next(answers, None) or _server(backup_docs)(request)

    index, requests, sleeps = _index(respond, tmp_path)
    assert index.search(np.ones(128))
    assert len(requests) == 3
    assert sleeps == [0.5, 1.0]


def test_an_unreachable_index_is_a_transient_fault_after_the_retries(tmp_path):
    def respond(request: Recorded) -> tuple[int, dict]:
        raise TransportConnectionError("connection refused")

    index, requests, sleeps = _index(respond, tmp_path)
    with pytest.raises(TransientFault) as caught:
        index.search(np.ones(128))
    assert caught.value.retryable
    assert "unreachable" in caught.value.message
    assert len(requests) == 4 and sleeps == [0.5, 1.0, 2.0]
    assert not index.reachable()


def test_a_real_refused_connection_is_transient(tmp_path):
    from tests.support.ports import free_port

    index = ElasticsearchIndex(
        connect(f"http://127.0.0.1:{free_port()}", timeout=2), clips_root=tmp_path, attempts=2, backoff=0.01
    )
    with pytest.raises(TransientFault):
        index.search(np.ones(128))
    assert not index.reachable()


def test_mapping_is_the_originals(shared_dir):
    original = json.loads((shared_dir / "legacy" / "es_mapping.json").read_text())
    assert index_mapping() == original["mappings"]


def test_reindex_creates_the_index_and_bulk_loads_like_the_original(shared_dir, recorded, real_library_dir):
    from ray_pipeline.library import load_library, playable

    def respond(request: Recorded) -> tuple[int, dict]:
        if request.method == "HEAD":
            return 404, {}
        if request.path.endswith("/_bulk"):
            return 200, {"errors": False, "items": [{"index": {"status": 201}}] * (len(request.body) // 2)}
        return 200, {"acknowledged": True}

    clips = playable(load_library(real_library_dir))
    index, requests, _ = _index(respond, real_library_dir)
    assert index.rebuild(clips) == len(clips) == 149
    create = next(r for r in requests if r.method == "PUT")
    assert create.path == "/bachata_move_embeddings"
    original = json.loads((shared_dir / "legacy" / "es_mapping.json").read_text())
    assert create.body == {"mappings": original["mappings"], "settings": original["settings_local_only"]}
    bulk = next(r for r in requests if r.path == "/_bulk").body
    action, doc = bulk[0], bulk[1]
    assert action == {"index": {"_index": "bachata_move_embeddings", "_id": doc["clip_id"]}}
    recorded_doc = recorded["bulk_index_action"][1]
    assert set(doc) <= set(recorded_doc)
    assert doc["video_path"].startswith("Bachata_steps/") and (real_library_dir / doc["video_path"]).is_file()
    assert len(doc["audio_embedding"]) == 128 and len(doc["lead_embedding"]) == 512
    assert requests[-1].path == "/bachata_move_embeddings/_refresh"


def test_health_says_when_the_index_is_unreachable(settings, session_factory, clock, launcher):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.support.ports import free_port

    configured = settings.model_copy(
        update={"move_index": "elasticsearch", "elasticsearch_url": f"http://127.0.0.1:{free_port()}"}
    )
    app = create_app(configured, session_factory=session_factory, clock=clock, launcher=launcher)
    with TestClient(app) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "storage": "ok", "index": "failing"}


@pytest.mark.postgres
def test_the_job_fails_for_a_retry_when_the_index_is_unreachable(
    ray_two_cpus, committed_postgresql_engine, demo_library, tmp_path
):
    from bachata_common.settings import Settings
    from ray_pipeline.job import EXIT_RETRY, JobParams, run_job
    from ray_pipeline.synthetic import make_song
    from tests.support.ports import free_port
    from tests.support.rows import create_task, create_user, read_task

    make_song(tmp_path / "media" / "songs" / "s.wav", bpm=128, duration=32, seed=1)
    user_id = create_user(committed_postgresql_engine)
    task_id = create_task(committed_postgresql_engine, user_id)
    settings = Settings(
        database_url=committed_postgresql_engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        media_dir=tmp_path / "media",
        library_dir=demo_library,
        move_index="elasticsearch",
        elasticsearch_url=f"http://127.0.0.1:{free_port()}",
        render_cpus=2,
    )
    assert run_job(JobParams(task_id, user_id, "songs/s.wav", "intermediate", None, None), settings) == EXIT_RETRY
    row = read_task(committed_postgresql_engine, task_id)
    assert row.status == "failed" and "move index" in row.message and "elasticsearch search" in row.error
