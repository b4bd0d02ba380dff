"""A replay of the original app's video assembly, the baseline our renders are timed against.

The original re-encoded every chosen clip (1280x720, 24 fps, x264 ``ultrafast``, CRF 28, at most 12 s each),
one after another, concatenated them and muxed the song as AAC. Given the clips and how long each plays,
this does the same with the same ffmpeg, so both pipelines are timed side by side in one run.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

CLIP_CAP = 12.0  # seconds: the original never used more of a clip


def _ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *arguments], check=True)


def assemble(clips: list[tuple[Path, float]], song: Path, destination: Path) -> float:
    """Re-encode each (clip, seconds), concatenate, mux the song; returns the wall seconds it took."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="original-") as scratch:
        parts = []
        for index, (clip, seconds) in enumerate(clips):
            part = Path(scratch) / f"part{index:03d}.mp4"
            _ffmpeg(
                "-i",
                str(clip),
                "-t",
                f"{min(seconds, CLIP_CAP):.3f}",
                "-an",
                "-vf",
                "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,fps=24",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "28",
                "-pix_fmt",
                "yuv420p",
                str(part),
            )
            parts.append(part)
        listing = Path(scratch) / "parts.txt"
        listing.write_text("".join(f"file '{part}'\n" for part in parts))
        _ffmpeg(
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-i",
            str(song),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-shortest",
            str(destination),
        )
    return time.perf_counter() - started
