"""ffprobe, audio decoding and ffmpeg execution with the render's typed errors."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import numpy as np

from bachata_common.media import MediaInfo, ProbeFailed
from bachata_common.media import probe as probe_media
from ray_pipeline.errors import BadInput, FFmpegError

ANALYSIS_SAMPLE_RATE = 22050  # the original analyser's rate; the 128-d embedding depends on it


def probe(path: Path) -> MediaInfo:
    """What ffprobe says about a file; FFmpegError (a render error) when it cannot read it."""
    try:
        return probe_media(path)
    except ProbeFailed as exc:
        raise FFmpegError("ffprobe", exc.stderr_tail) from exc


def run_ffmpeg(stream: ffmpeg.nodes.OutputStream, *, feed: bytes | None = None) -> None:
    """Run an ffmpeg-python graph quietly (``feed`` goes to its stdin); a non-zero exit becomes FFmpegError."""
    try:
        stream.global_args("-hide_banner", *(() if feed is not None else ("-nostdin",))).run(
            input=feed, capture_stdout=True, capture_stderr=True, overwrite_output=True
        )
    except ffmpeg.Error as exc:
        raise FFmpegError("ffmpeg", exc.stderr.decode(errors="replace")) from exc


def decode_audio(path: Path, *, sample_rate: int = ANALYSIS_SAMPLE_RATE, limit: float | None = None) -> np.ndarray:
    """Any audio (or a video's audio track) as mono float32 at ``sample_rate``; BadInput when undecodable.

    ``limit`` stops decoding after that many seconds, whatever length the file claims: memory stays bounded
    even for a tiny file that expands to hours (a decompression bomb).
    """
    options = {"t": f"{limit:.3f}"} if limit is not None else {}
    try:
        raw, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="f32le", acodec="pcm_f32le", ac=1, ar=sample_rate, **options)
            .global_args("-hide_banner", "-nostdin", "-v", "error")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as exc:
        tail = exc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BadInput("The song could not be read as audio", cause=f"decode failed: {tail[0]}") from exc
    samples = np.frombuffer(raw, dtype=np.float32)
    if samples.size == 0:
        raise BadInput("The song has no audio", cause="decoded zero samples")
    return samples


POSTER_SIDE = 640  # the longer side of a poster frame: sharp on a card, light to load


def poster_frame(video: Path, at: float, destination: Path) -> Path:
    """One frame of ``video`` at ``at`` seconds as a JPEG, its longer side POSTER_SIDE pixels."""
    fit = f"scale='if(gte(iw,ih),{POSTER_SIDE},-2)':'if(gte(iw,ih),-2,{POSTER_SIDE})'"
    run_ffmpeg(ffmpeg.input(str(video), ss=max(0.0, at)).output(str(destination), vframes=1, vf=fit, q=4))
    return destination


def poster_time(segments: list[dict], duration: float) -> float:
    """A moment that shows dancing: the middle of the first move (a lead-in still is no picture of it)."""
    if segments:
        first = segments[0]
        return (float(first["start"]) + float(first["end"])) / 2
    return duration / 3
