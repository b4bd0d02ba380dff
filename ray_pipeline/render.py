"""Render each move to a segment with identical encoding settings, so the final join is a stream copy."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from ray_pipeline.matching import Move
from ray_pipeline.media import run_ffmpeg

_ENCODER_VERSION = 1  # part of every segment's cache key: bump when the settings below change
PRESET = "veryfast"
CRF = 23


@dataclass(frozen=True)
class OutputFormat:
    """Size and frame rate every segment shares."""

    width: int
    height: int
    fps: int = 30

    @classmethod
    def parse(cls, size: str, fps: int = 30) -> OutputFormat:
        """From "1280x720"; both sides even (H.264 4:2:0 needs that)."""
        width, _, height = size.lower().partition("x")
        if not (width.isdigit() and height.isdigit()):
            raise ValueError(f"size must look like 1280x720, not {size!r}")
        if int(width) % 2 or int(height) % 2 or not (64 <= int(width) <= 3840 and 64 <= int(height) <= 2160):
            raise ValueError(f"size {size} must have even sides between 64 and 3840x2160")
        return cls(int(width), int(height), fps)


@dataclass(frozen=True)
class SegmentSpec:
    """Everything that determines one rendered segment (and so its cache key)."""

    clip_path: str
    clip_identity: str
    clip_start: float
    clip_end: float
    speed: float
    frames: int
    output: OutputFormat

    def cache_key(self) -> str:
        parts = (
            _ENCODER_VERSION,
            self.clip_identity,
            round(self.clip_start, 4),
            round(self.clip_end, 4),
            round(self.speed, 5),
            self.frames,
            self.output,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()


def _identity(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def segment_specs(moves: list[Move], output: OutputFormat) -> list[SegmentSpec]:
    """One spec per move; frame boundaries are rounded on the song's timeline, so no drift accumulates."""
    specs = []
    for move in moves:
        first_frame = round(move.song_start * output.fps)
        last_frame = round(move.song_end * output.fps)
        specs.append(
            SegmentSpec(
                clip_path=str(move.clip.path),
                clip_identity=_identity(move.clip.path),
                clip_start=move.clip_start,
                clip_end=move.clip_end,
                speed=move.speed,
                frames=last_frame - first_frame,
                output=output,
            )
        )
    return specs


def render_segment(spec: SegmentSpec, cache_dir: Path) -> tuple[Path, bool]:
    """The segment's file, rendered now or found in the cache; True when it came from the cache."""
    target = cache_dir / f"{spec.cache_key()}.mp4"
    if target.exists():
        return target, True
    out = spec.output
    lead_in = max(0.0, -spec.clip_start) / spec.speed  # song seconds shown as the clip's first frame
    seek = max(0.0, spec.clip_start)
    video = (
        ffmpeg.input(spec.clip_path, ss=f"{seek:.4f}", t=f"{spec.clip_end - seek + 1.0:.4f}")
        .video.filter("setpts", f"(PTS-STARTPTS)/{spec.speed:.6f}")
        .filter("fps", out.fps)
        .filter("scale", out.width, out.height, force_original_aspect_ratio="decrease")
        .filter("pad", out.width, out.height, "(ow-iw)/2", "(oh-ih)/2")
        .filter("setsar", 1)
        .filter("tpad", start_mode="clone", start_duration=f"{lead_in:.4f}", stop_mode="clone", stop_duration=5)
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.stem}.{uuid.uuid4().hex}.tmp.mp4")  # the cache may be shared by hosts
    run_ffmpeg(
        video.output(
            str(temporary),
            vcodec="libx264",
            preset=PRESET,
            crf=CRF,
            pix_fmt="yuv420p",
            profile="high",
            r=out.fps,
            g=2 * out.fps,
            keyint_min=2 * out.fps,
            sc_threshold=0,
            an=None,
            video_track_timescale=out.fps * 512,
            **{"frames:v": spec.frames, "threads": 1},
        )
    )
    temporary.replace(target)  # atomic: a concurrent render of the same segment never sees half a file
    return target, False


def stitch(segments: list[Path], *, song: Path, duration: float, destination: Path) -> None:
    """Join segments by stream copy, add the song as AAC, and move the index to the front for streaming."""
    listing = destination.with_suffix(".concat.txt")
    listing.write_text("".join(f"file '{path.resolve()}'\n" for path in segments))
    video = ffmpeg.input(str(listing), f="concat", safe=0)
    audio = ffmpeg.input(str(song))
    try:
        run_ffmpeg(
            ffmpeg.output(
                video.video,
                audio.audio,
                str(destination),
                vcodec="copy",
                acodec="aac",
                audio_bitrate="128k",
                t=f"{duration:.3f}",
                movflags="+faststart",
            )
        )
    finally:
        listing.unlink(missing_ok=True)


def _timestamp(seconds: float) -> str:
    hours, rest = divmod(max(0.0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def webvtt(beats: list[float], counts: list[int], names: list[str], duration: float) -> str:
    """One cue per beat: its count (1-8) and the move being danced."""
    lines = ["WEBVTT", ""]
    for index, (start, count, name) in enumerate(zip(beats, counts, names, strict=True)):
        end = beats[index + 1] if index + 1 < len(beats) else duration
        if end > start:
            lines += [f"{_timestamp(start)} --> {_timestamp(end)}", f"{count} · {name}", ""]
    return "\n".join(lines)
