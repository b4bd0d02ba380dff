"""Video streaming with Range, signed URLs, the count track, and every way another user is kept out."""

from __future__ import annotations

import uuid

import pytest

from bachata_common.db import ChoreographyTask, SavedChoreography
from tests.support.api import auth, signed_in
from tests.support.rows import completed_task

VIDEO_BYTES = bytes(range(256)) * 400  # 102,400 bytes standing in for an MP4


@pytest.fixture
def finished(client, settings, session_factory, clock):
    """A user with a completed task whose video and track exist in storage."""
    owner = signed_in(client)
    user_id = owner["user"]["id"]
    task_id = completed_task(session_factory, user_id, clock.now)
    folder = settings.media_root / "output" / f"user_{user_id}"
    folder.mkdir(parents=True)
    (folder / f"{task_id}.mp4").write_bytes(VIDEO_BYTES)
    (folder / f"{task_id}.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:00.469\n1 · Basic\n")
    return {"owner": owner, "task_id": task_id, "folder": folder}


def test_owner_streams_the_whole_video_and_ranges(client, finished):
    headers = auth(finished["owner"])
    url = f"/api/videos/{finished['task_id']}"
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.content == VIDEO_BYTES
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**headers, "Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{len(VIDEO_BYTES)}"
    assert part.content == VIDEO_BYTES[100:1100]
    tail = client.get(url, headers={**headers, "Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == VIDEO_BYTES[-500:]
    beyond = client.get(url, headers={**headers, "Range": f"bytes={len(VIDEO_BYTES) + 10}-"})
    assert beyond.status_code == 416


def test_signed_urls_play_without_a_token_until_they_expire(client, finished, clock, settings):
    urls = client.get(f"/api/videos/{finished['task_id']}/url", headers=auth(finished["owner"])).json()
    assert urls["expires_at"] == int(clock.now.timestamp()) + settings.signed_url_seconds
    assert client.get(urls["video_url"]).content == VIDEO_BYTES
    assert client.get(urls["video_url"], headers={"Range": "bytes=0-9"}).status_code == 206
    track = client.get(urls["subtitles_url"])
    assert track.status_code == 200 and track.text.startswith("WEBVTT")
    assert track.headers["content-type"].startswith("text/vtt")
    tampered = urls["video_url"][:-1] + ("0" if urls["video_url"][-1] != "0" else "1")
    assert client.get(tampered).status_code == 404
    swapped = urls["video_url"].replace("?", "/subtitles?", 1)
    assert client.get(swapped).status_code == 404  # a video signature does not open the track
    clock.advance(seconds=settings.signed_url_seconds + 1)
    assert client.get(urls["video_url"]).status_code == 404


def test_another_user_gets_404_for_video_track_and_signed_url(client, finished):
    intruder = auth(signed_in(client))
    task_id = finished["task_id"]
    for path in [f"/api/videos/{task_id}", f"/api/videos/{task_id}/subtitles", f"/api/videos/{task_id}/url"]:
        response = client.get(path, headers=intruder)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/videos/{task_id}").status_code == 401


@pytest.mark.parametrize(
    "stored_path",
    [
        "/srv/bachata_buddy/data/output/user_{uid}/Bubalu_balanced_choreography.mp4",
        "output/user_{uid}/Bubalu_balanced_choreography.mp4",
        "data/output/user_{uid}/Bubalu_balanced_choreography.mp4",
    ],
)
def test_saved_choreographies_in_the_originals_path_forms_play_by_basename(
    client, finished, session_factory, clock, stored_path
):
    user_id = finished["owner"]["user"]["id"]
    (finished["folder"] / "Bubalu_balanced_choreography.mp4").write_bytes(b"bubalu")
    saved_id = uuid.uuid4()
    with session_factory() as session:
        session.add(
            SavedChoreography(
                id=saved_id,
                user_id=user_id,
                title="Bubalu",
                difficulty="beginner",
                duration=187.0,
                video_path=stored_path.format(uid=user_id),
                created_at=clock.now,
            )
        )
        session.commit()
    response = client.get(f"/api/videos/{saved_id}", headers=auth(finished["owner"]))
    assert response.status_code == 200 and response.content == b"bubalu"


@pytest.mark.parametrize(
    "video_path",
    ["../../../etc/passwd", "output/user_1/../../secret.mp4", "/etc/hostname", "output/user_{uid}/..mp4", ""],
)
def test_stored_paths_cannot_escape_the_users_folder(client, finished, session_factory, clock, video_path):
    user_id = finished["owner"]["user"]["id"]
    with session_factory() as session:
        task = session.get(ChoreographyTask, finished["task_id"])
        task.result = {"video_path": video_path.format(uid=user_id)}
        session.commit()
    response = client.get(f"/api/videos/{finished['task_id']}", headers=auth(finished["owner"]))
    assert response.status_code == 404


@pytest.mark.parametrize("video_id", ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "not-a-uuid"])
def test_requested_ids_cannot_be_paths(client, finished, video_id):
    assert client.get(f"/api/videos/{video_id}", headers=auth(finished["owner"])).status_code == 404


JPEG_BYTES = b"\xff\xd8\xff\xe0" + bytes(500) + b"\xff\xd9"


def _with_poster(session_factory, settings, task_id: str, poster_path: str) -> None:
    with session_factory() as session:
        task = session.get(ChoreographyTask, task_id)
        task.result = {**task.result, "thumbnail_path": poster_path}
        session.commit()
    file = settings.media_root / poster_path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(JPEG_BYTES)


def test_a_poster_is_served_to_the_owner_by_signed_link_and_on_collection_cards(
    client, finished, session_factory, settings
):
    task_id, owner = finished["task_id"], finished["owner"]
    no_poster = client.get(f"/api/videos/{task_id}/url", headers=auth(owner)).json()
    assert no_poster["poster_url"] is None
    _with_poster(session_factory, settings, task_id, f"thumbnails/2026/03/{task_id}.jpg")

    urls = client.get(f"/api/videos/{task_id}/url", headers=auth(owner)).json()
    picture = client.get(urls["poster_url"])
    assert picture.status_code == 200 and picture.content == JPEG_BYTES
    assert picture.headers["content-type"] == "image/jpeg"
    assert client.get(urls["poster_url"].replace("/poster?", "?")).status_code == 404  # not a video signature
    assert client.get(f"/api/videos/{task_id}/poster", headers=auth(signed_in(client))).status_code == 404

    saved = client.post("/api/collections", headers=auth(owner), json={"task_id": task_id, "title": "With a still"})
    assert saved.json()["thumbnail_path"] == f"thumbnails/2026/03/{task_id}.jpg"
    card = client.get("/api/collections", headers=auth(owner)).json()["items"][0]
    assert client.get(card["poster_url"]).content == JPEG_BYTES


@pytest.mark.parametrize("poster_path", ["output/user_1/secret.jpg", "thumbnails/../output/x.jpg", "/etc/passwd"])
def test_a_poster_path_outside_thumbnails_serves_nothing(client, finished, session_factory, settings, poster_path):
    task_id = finished["task_id"]
    with session_factory() as session:
        task = session.get(ChoreographyTask, task_id)
        task.result = {**task.result, "thumbnail_path": poster_path}
        session.commit()
    assert client.get(f"/api/videos/{task_id}/poster", headers=auth(finished["owner"])).status_code == 404
    assert client.get(f"/api/videos/{task_id}/url", headers=auth(finished["owner"])).json()["poster_url"] is None
