"""One render execution: the env contract in, the task row and the published video out."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bachata_common.db.engine import create_db_engine
from bachata_common.settings import Settings
from bachata_common.songs import music_info, song_title
from bachata_common.storage import (
    THUMBNAILS,
    InvalidKey,
    Storage,
    open_storage,
    output_key,
    song_meta_key,
    validate_key,
)
from bachata_common.vocabulary import DIFFICULTIES, ENERGY_LEVELS, STYLES
from ray_pipeline.errors import BadInput, FFmpegError, RenderError, TransientFault
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveClip, load_index_backup, load_library, playable
from ray_pipeline.listening import Listening, audio_beside
from ray_pipeline.media import poster_frame, poster_time
from ray_pipeline.node import answers
from ray_pipeline.task_store import Claim, TaskStore, heartbeat

log = logging.getLogger(__name__)

EXIT_OK = 0  # done, or failed for good (bad input): Cloud Run must not retry
EXIT_RETRY = 1  # a transient fault: Cloud Run retries the execution
EXIT_USAGE = 2  # the execution was started without a usable TASK_ID/USER_ID


@dataclass(frozen=True)
class JobParams:
    """The env contract of an execution."""

    task_id: str
    user_id: int
    audio_input: str
    difficulty: str
    energy_level: str | None
    style: str | None
    original_query: str | None = None  # set when the dancer described the dance in words

    @property
    def seed(self) -> int:
        """Reruns of a task choose the same moves, so a retry reproduces (and reuses) the same video."""
        return uuid.UUID(self.task_id).int % 2**31


class UsageError(Exception):
    """TASK_ID or USER_ID is missing or malformed: there is no row we could report to."""


def params_from_env(environ: Mapping[str, str]) -> JobParams:
    """Identify the task; problems with the render parameters are left for ``validate`` to report on the row."""
    task_id = environ.get("TASK_ID", "").strip()
    user_id = environ.get("USER_ID", "").strip()
    try:
        uuid.UUID(task_id)
    except ValueError as exc:
        raise UsageError(f"TASK_ID must be the task's UUID, got {task_id!r}") from exc
    if not user_id.isdigit():
        raise UsageError(f"USER_ID must be the user's numeric id, got {user_id!r}")
    return JobParams(
        task_id=task_id,
        user_id=int(user_id),
        audio_input=environ.get("AUDIO_INPUT", "").strip(),
        difficulty=environ.get("DIFFICULTY", "").strip().lower(),
        energy_level=environ.get("ENERGY_LEVEL", "").strip().lower() or None,
        style=environ.get("STYLE", "").strip().lower() or None,
        original_query=environ.get("ORIGINAL_QUERY", "").strip() or None,
    )


def validate(params: JobParams) -> None:
    """Reject parameters the original would never send, with a message a dancer understands."""
    if not params.audio_input:
        raise BadInput("No song was given", cause="AUDIO_INPUT is empty")
    for name, value, allowed in [
        ("difficulty", params.difficulty, DIFFICULTIES),
        ("energy level", params.energy_level, (None, *ENERGY_LEVELS)),
        ("style", params.style, (None, *STYLES)),
    ]:
        if value not in allowed:
            choices = ", ".join(a for a in allowed if a)
            raise BadInput(f"Unknown {name} {value!r}; choose one of {choices}")


def song_key(audio_input: str, storage: Storage) -> str | None:
    """The storage key AUDIO_INPUT names (``songs/x.mp3`` or ``gs://<our bucket>/songs/x.mp3``); None for a path."""
    if audio_input.startswith("gs://"):
        bucket_name, _, key = audio_input[len("gs://") :].partition("/")
        if storage.bucket_name != bucket_name:
            raise BadInput("The song is in a bucket this job does not use", cause=f"cannot fetch {audio_input}")
        audio_input = key
    if Path(audio_input).is_absolute():
        return None
    try:
        return validate_key(audio_input)
    except InvalidKey as exc:
        raise BadInput("The song's name is not valid", cause=str(exc)) from exc


def fetch_song(audio_input: str, storage: Storage, stack: ExitStack) -> Path:
    """AUDIO_INPUT as a local file for the render: a path on this machine, or a storage object."""
    key = song_key(audio_input, storage)
    if key is None:
        if Path(audio_input).is_file():
            return Path(audio_input)
        raise BadInput("The song file was not found", cause=f"{audio_input} does not exist")
    try:
        if not storage.exists(key):
            raise BadInput("The song was not found in storage", cause=f"no object at {key}")
        return stack.enter_context(storage.local_copy(key))
    except OSError as exc:
        raise TransientFault("Could not fetch the song", cause=f"storage read failed: {exc}") from exc


def load_move_library(settings: Settings) -> list[MoveClip]:
    """The configured library (plus the original index backup, when set); BadInput when there is none."""
    clips = load_library(settings.library_dir)
    if settings.index_backup_path:
        clips += load_index_backup(settings.index_backup_path, settings.library_dir)
    return clips


def run_job(params: JobParams, settings: Settings, *, execution: str | None = None) -> int:
    """Claim the row, render, publish, and leave the row in its final state; returns the exit code."""
    engine = create_db_engine(settings.sqlalchemy_url)
    store = TaskStore(engine, task_id=params.task_id, user_id=params.user_id)
    try:
        claim = store.claim(execution)
        if claim is not Claim.CLAIMED:
            log.info("task %s: %s; nothing to do", params.task_id, claim.value)
            return EXIT_OK
        with heartbeat(store):
            storage = open_storage(settings)
            result = _render_and_publish(params, settings, store, storage)
            saved_id = store.auto_save(**_collection_entry(params, storage, result))
            result.update(saved_choreography_id=saved_id, auto_saved=saved_id is not None)
            message = "Choreography generated successfully!"
            store.complete(result, f"{message} (Auto-saved to collection)" if saved_id else message)
        return EXIT_OK
    except RenderError as exc:
        log.warning("task %s failed: %s (%s)", params.task_id, exc.message, exc.cause)
        _record_failure(store, _what_next(exc.message, exc.retryable, settings), exc.cause)
        return EXIT_RETRY if exc.retryable else EXIT_OK
    except Exception as exc:
        log.exception("task %s failed unexpectedly", params.task_id)
        _record_failure(store, _what_next("Video generation failed", True, settings), f"{type(exc).__name__}: {exc}")
        return EXIT_RETRY
    finally:
        engine.dispose()


def _what_next(message: str, retryable: bool, settings: Settings) -> str:
    """The dancer's message, saying truly whether the render will be tried again (only Cloud Run retries)."""
    if retryable and settings.render_attempt < settings.render_max_retries:
        return f"{message}; trying again"
    return f"{message}; please generate again" if retryable else message


def _record_failure(store: TaskStore, message: str, error: str) -> None:
    try:
        store.fail(message, error)
    except RenderError:
        log.error("could not record the failure of task %s: the database is unreachable", store.task_id)


def _render_and_publish(params: JobParams, settings: Settings, store: TaskStore, storage: Storage) -> dict:
    validate(params)
    cpus = settings.render_cpus or os.cpu_count() or 1
    video_key = output_key(params.user_id, f"{params.task_id}.mp4")
    with ExitStack() as stack:
        song = fetch_song(params.audio_input, storage, stack)
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"render-{params.task_id}-"))
        destination = Path(scratch) / f"{params.task_id}.mp4"
        # Heard (decoded, beat-tracked, encoded) while the library loads and Ray starts, or by the warm hearers
        # of the standing node this render joins.
        on_node = answers(settings.render_ray_node)
        listening = stack.enter_context(Listening(song, audio_beside(destination), on_node=on_node))
        # Ray and the pipeline are imported once the song is being heard: a second the hearing need not wait for.
        from ray_pipeline.backends import localise_clips, open_move_index, open_pose_verifier
        from ray_pipeline.pipeline import Renderer, RenderRequest
        from ray_pipeline.prepared import PreparedLibrary
        from ray_pipeline.runtime import ray_runtime

        clips = load_move_library(settings)
        clips_root = localise_clips(clips, storage, settings.library_dir, settings.cache_dir)
        clips = playable(clips)
        try:
            output = OutputFormat.parse(settings.render_size)
        except ValueError as exc:
            raise BadInput("The video size asked for is not one we can make", cause=str(exc)) from exc
        request = RenderRequest(
            song=song,
            destination=destination,
            difficulty=params.difficulty,
            energy_level=params.energy_level,
            style=params.style,
            output=output,
            seed=params.seed,
        )
        listening.samples()  # a song that cannot be danced to fails here, before any of Ray starts
        with ray_runtime(cpus, node=settings.render_ray_node, stop_in_background=True):  # published while Ray stops
            listening.begin()  # a node's warm hearers hear the song while the move index opens
            renderer = Renderer(
                index=open_move_index(settings, clips, clips_root),
                library=clips,
                cache_dir=settings.cache_dir,
                cpus=cpus,
                verifier=open_pose_verifier(settings, cpus),
                prepared=PreparedLibrary(settings.cache_dir, storage),
            )
            outcome = renderer.render(request, store.progress, listening)
        keys = {"video": video_key, "subtitles": video_key[:-4] + ".vtt", "metadata": video_key[:-4] + ".json"}
        poster = _poster(outcome, Path(scratch) / f"{params.task_id}.jpg")
        try:
            if poster is not None:
                keys["poster"] = f"{THUMBNAILS}{datetime.now(UTC):%Y/%m}/{params.task_id}.jpg"
                storage.put_file(poster, keys["poster"])
            # The video goes last: once it exists, everything it refers to already does.
            storage.put_file(outcome.subtitles, keys["subtitles"])
            storage.put_file(outcome.metadata, keys["metadata"])
            storage.put_file(outcome.video, keys["video"])
        except OSError as exc:
            raise TransientFault("Could not save the video", cause=f"storage write failed: {exc}") from exc
    summary = outcome.summary
    if (key := song_key(params.audio_input, storage)) is not None:
        _remember_song(storage, key, summary)
    result = {
        "video_path": keys["video"],
        "video_filename": Path(keys["video"]).name,
        "processing_time": summary["timings"]["total"],
        "sequence_duration": summary["sequence_duration"],
        "moves_analyzed": summary["moves_analyzed"],
        "metadata_path": keys["metadata"],
        "saved_choreography_id": None,
        "auto_saved": False,
        "subtitles_path": keys["subtitles"],
        "thumbnail_path": keys.get("poster"),
        **{key: summary[key] for key in ("tempo", "beat_count", "segments", "sections", "quality", "timings")},
        "parameters": {
            "difficulty": params.difficulty,
            "energy_level": params.energy_level,
            "style": params.style,
            "song": params.audio_input,
            "orientation": "portrait" if output.portrait else "landscape",
        },
    }
    if params.original_query:
        result["original_query"] = params.original_query
        result["explanations"] = explanations(summary)
    return result


def _poster(outcome, destination: Path) -> Path | None:
    """A still of the finished video for its poster and collection card; a render never fails for want of one."""
    summary = outcome.summary
    try:
        return poster_frame(outcome.video, poster_time(summary["segments"], summary["sequence_duration"]), destination)
    except FFmpegError:
        log.warning("no poster frame for %s", outcome.video, exc_info=True)
        return None


def _collection_entry(params: JobParams, storage: Storage, result: dict) -> dict:
    """The saved_choreographies row the original app would write for this render."""
    title = song_title(storage, song_key(params.audio_input, storage), params.audio_input)
    return {
        "title": title,
        "video_path": result["video_path"],
        "thumbnail_path": result["thumbnail_path"],
        "difficulty": params.difficulty,
        "duration": result["sequence_duration"],
        "music_info": music_info(title=title, tempo=result["tempo"], source=params.audio_input),
        "generation_parameters": {
            "difficulty": params.difficulty,
            "energy_level": params.energy_level,
            "style": params.style,
            "audio_input": params.audio_input,
            **({"original_query": params.original_query} if params.original_query else {}),
        },
    }


def _remember_song(storage: Storage, song_key: str, summary: dict) -> None:
    """Keep the song's tempo and length beside it, so the song library can show them."""
    key = song_meta_key(song_key)
    try:
        storage.put_json(
            key, {**(storage.read_json(key) or {}), "duration": summary["sequence_duration"], "tempo": summary["tempo"]}
        )
    except OSError:
        log.warning("could not record metadata for %s", song_key, exc_info=True)


def explanations(summary: dict) -> list[str]:
    """One sentence per move, as the original's natural-language flow gives them."""
    sections = summary["sections"]

    def level_at(time: float) -> str:
        return next((s["level"] for s in sections if s["start"] <= time < s["end"]), "medium")

    return [
        f"{segment['move']} at {int(segment['start'] // 60)}:{int(segment['start'] % 60):02d} "
        f"({segment['counts']} counts) for a {level_at(segment['start'] + 0.5)}-energy part of the song."
        for segment in summary["segments"]
    ]
