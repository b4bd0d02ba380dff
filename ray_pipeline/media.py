"""ffprobe, audio decoding and ffmpeg execution with typed errors."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np

from ray_pipeline.errors import BadInput, FFmpegError

ANALYSIS_SAMPLE_RATE = 22050  # the original analyser's rate; the 128-d embedding depends on it


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about a file."""

    duration: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    video_streams: int
    audio_streams: int


def _ratio(text: str | None) -> float | None:
    if not text or text in ("0/0", "0"):
        return None
    numerator, _, denominator = text.partition("/")
    return float(numerator) / float(denominator or 1)


def probe(path: Path) -> MediaInfo:
    """Duration, size, frame rate and codecs of a media file."""
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FFmpegError("ffprobe", result.stderr)
    data = json.loads(result.stdout)
    streams = data.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    first_video = video[0] if video else {}
    return MediaInfo(
        duration=float(data.get("format", {}).get("duration") or first_video.get("duration") or 0.0),
        width=first_video.get("width"),
        height=first_video.get("height"),
        fps=_ratio(first_video.get("avg_frame_rate")) or _ratio(first_video.get("r_frame_rate")),
        video_codec=first_video.get("codec_name"),
        audio_codec=audio[0].get("codec_name") if audio else None,
        video_streams=len(video),
        audio_streams=len(audio),
    )


def run_ffmpeg(stream: ffmpeg.nodes.OutputStream, *, feed: bytes | None = None) -> None:
    """Run an ffmpeg-python graph quietly (``feed`` goes to its stdin); a non-zero exit becomes FFmpegError."""
    try:
        stream.global_args("-hide_banner", *(() if feed is not None else ("-nostdin",))).run(
            input=feed, capture_stdout=True, capture_stderr=True, overwrite_output=True
        )
    except ffmpeg.Error as exc:
        raise FFmpegError("ffmpeg", exc.stderr.decode(errors="replace")) from exc


def decode_audio(path: Path, *, sample_rate: int = ANALYSIS_SAMPLE_RATE) -> np.ndarray:
    """Any audio (or a video's audio track) as mono float32 at ``sample_rate``; BadInput when undecodable."""
    try:
        raw, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="f32le", acodec="pcm_f32le", ac=1, ar=sample_rate)
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
