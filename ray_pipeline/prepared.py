"""The move library prepared once per output format: each clip framed, scaled and keyed on every beat.

Every clip of a format gets one H.264 encoding with the same settings (profile, level, timebase, parameter
sets), no audio, no B-frames and no scene-cut keyframes, and an IDR frame on every beat of its verified grid,
so a render can cut any clip on any beat by copying packets (``remux``). Copies are keyed by the clip's
content, its grid, the framing and the encoder settings, kept under the cache and, with a bucket, under
``library/prepared/<format>/`` for every execution to reuse.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from bachata_common.storage import Storage, write_atomically
from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.errors import TransientFault
from ray_pipeline.formats import OutputFormat
from ray_pipeline.media import run_ffmpeg

log = logging.getLogger(__name__)

ENCODER_VERSION = 1  # part of every key: bump when the settings below change
PRESET, CRF = "veryfast", 21
PROFILE, LEVEL = "high", "4.1"
TIMESCALE = 15360  # ticks a second: 512 per frame at 30 fps, fine enough for any retiming
COUPLE_MARGIN = 1.15  # how much wider than the couple a narrow format's crop stays


@dataclass(frozen=True)
class Framing:
    """Which part of the clip's picture is shown, and how it sits in the output frame."""

    crop: tuple[int, int, int, int]  # x, y, width, height in the clip's pixels
    scaled: tuple[int, int]  # the crop's size in the output
    output: OutputFormat

    def filters(self, stream):
        x, y, width, height = self.crop
        out = self.output
        left, top = (out.width - self.scaled[0]) // 2, (out.height - self.scaled[1]) // 2
        return (
            stream.filter("crop", width, height, x, y)
            .filter("scale", self.scaled[0], self.scaled[1], flags="bicubic")
            .filter("pad", out.width, out.height, left, top, color="black")
            .filter("setsar", 1)
            .filter("fps", out.fps)
            .filter("format", "yuv420p")
        )


def _even(value: float) -> int:
    return max(2, int(round(value / 2) * 2))


def framing(analysis: ClipAnalysis, output: OutputFormat) -> Framing:
    """Show the picture without its baked-in bars; for a format narrower than the picture, crop to the couple.

    A portrait frame shows an upright couple filmed in a wider picture: the crop keeps the couple (from their
    looks at the clip's "1"s, with a margin) rather than letterboxing the whole picture into half the screen.
    """
    x, y, width, height = analysis.picture if analysis.picture[2] else (0, 0, analysis.width, analysis.height)
    target = output.width / output.height
    if width / height > target:
        couple_width = max((look.size[0] for look in analysis.looks), default=1.0) * width * COUPLE_MARGIN
        centre = sum(look.centre[0] for look in analysis.looks) / len(analysis.looks) if analysis.looks else 0.5
        crop_width = _even(min(width, max(target * height, couple_width)))
        left = _even(min(max(x + centre * width - crop_width / 2, x), x + width - crop_width))
        x, width = left, crop_width
    fit = min(output.width / width, output.height / height)
    return Framing(crop=(x, y, width, height), scaled=(_even(width * fit), _even(height * fit)), output=output)


def prepared_key(analysis: ClipAnalysis, output: OutputFormat) -> str:
    """What a prepared copy depends on: the clip's content, its beat grid, the framing, the encoder settings."""
    shown = framing(analysis, output)
    identity = (ENCODER_VERSION, PRESET, CRF, PROFILE, LEVEL, analysis.content, analysis.beats, shown)
    return hashlib.sha256(repr(identity).encode()).hexdigest()[:32]


def format_name(output: OutputFormat) -> str:
    return f"{output.width}x{output.height}"


def prepare_clip(clip: Path, analysis: ClipAnalysis, output: OutputFormat, target: Path) -> Path:
    """Encode the clip's prepared copy for ``output`` at ``target`` (written whole or not at all)."""
    keyframes = ",".join(f"{beat:.4f}" for beat in analysis.beats)

    def encode(temporary: Path) -> None:
        video = framing(analysis, output).filters(ffmpeg.input(str(clip)).video)
        run_ffmpeg(
            video.output(
                str(temporary),
                format="mp4",
                vcodec="libx264",
                preset=PRESET,
                crf=CRF,
                profile=PROFILE,
                level=LEVEL,
                bf=0,
                g=9999,
                keyint_min=1,
                sc_threshold=0,
                force_key_frames=keyframes,
                video_track_timescale=TIMESCALE,
                movflags="+faststart",
                threads=1,  # clips are prepared side by side, one per CPU
                **{"forced-idr": 1, "x264-params": "scenecut=0:open_gop=0"},
            )
        )

    write_atomically(target, encode)
    return target


class PreparedLibrary:
    """Where prepared copies live: the local cache, backed by the bucket's ``library/prepared/`` when there is one."""

    def __init__(self, cache_dir: Path, storage: Storage | None = None):
        self.root, self.storage = cache_dir / "prepared", storage

    def path(self, analysis: ClipAnalysis, output: OutputFormat) -> Path:
        return self.root / format_name(output) / f"{prepared_key(analysis, output)}.mp4"

    def _key(self, analysis: ClipAnalysis, output: OutputFormat) -> str:
        return f"library/prepared/{format_name(output)}/{prepared_key(analysis, output)}.mp4"

    def _shared(self) -> bool:
        return self.storage is not None and self.storage.bucket_name is not None

    def find(self, analysis: ClipAnalysis, output: OutputFormat) -> Path | None:
        """The local copy, fetched from the bucket first when another execution prepared it there."""
        path = self.path(analysis, output)
        if path.exists() or not self._shared():
            return path if path.exists() else None
        key = self._key(analysis, output)
        try:
            return self.storage.download(key, path) if self.storage.exists(key) else None
        except OSError as exc:
            raise TransientFault("Could not fetch the prepared moves", cause=f"storage: {exc}") from exc

    def publish(self, analysis: ClipAnalysis, output: OutputFormat) -> None:
        """Share a copy prepared here with later executions (a bucket only; locally the cache is the library)."""
        if self._shared():
            try:
                self.storage.put_file(self.path(analysis, output), self._key(analysis, output))
            except OSError as exc:
                raise TransientFault("Could not save the prepared moves", cause=f"storage: {exc}") from exc
