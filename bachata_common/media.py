"""What ffprobe says about a media file: shared by the API's upload checks and the render job."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path


class ProbeFailed(RuntimeError):
    """ffprobe could not read the file; carries the end of its stderr."""

    def __init__(self, stderr: str, *, lines: int = 12):
        self.stderr_tail = "\n".join(stderr.strip().splitlines()[-lines:])
        super().__init__(f"ffprobe failed: {self.stderr_tail}")


@dataclass(frozen=True)
class MediaInfo:
    """Duration, picture and codecs of a media file."""

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


def probe(path: Path, *, timeout: float = 60.0) -> MediaInfo:
    """Duration, size, frame rate and codecs of a media file; ProbeFailed when ffprobe cannot read it."""
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    if result.returncode != 0:
        raise ProbeFailed(result.stderr)
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


COUNTING_RATE = 1000  # samples a second when only the length matters: 10 minutes is 1.2 MB


def decoded_seconds(path: Path, *, limit: float, timeout: float = 120.0) -> float:
    """How long the audio really is, by decoding it (at most ``limit`` seconds of it), whatever its header says.

    A tiny file can claim 60 s and hold hours (a decompression bomb): the decoder stops at the limit, so the
    answer is at most ``limit`` and the cost is bounded. ProbeFailed when the audio does not decode cleanly.
    """
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-t", f"{limit:.3f}",
               "-ac", "1", "-ar", str(COUNTING_RATE), "-f", "s16le", "-"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False, timeout=timeout)
    errors = result.stderr.decode(errors="replace").strip()
    if result.returncode != 0 or errors:
        raise ProbeFailed(errors or f"ffmpeg exited with {result.returncode}")
    return len(result.stdout) / 2 / COUNTING_RATE
