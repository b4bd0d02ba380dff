"""An on-beat check from a rendered video's pictures: where the dancers' steps land against a given beat grid.

It does not trust the render's own grid: the steps come from the frames (the weight-transfer signal of
``steps``) and the grid from outside (a generated song's true beats, an assembled song's known ones). Step
phases differ from clip to clip by about ±0.15 beat, so each segment is compared with the same clip's step
phase on its own music, not with one constant. A segment is judged only where both lock clearly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ray_pipeline.phase import Lock, wrap
from ray_pipeline.steps import read_frames, step_lock, weight_transfer

MIN_LOCK = 0.3  # below this R a segment (or a clip) says nothing about where its steps are
TOLERANCE = 0.25  # beats: a step phase within this of the clip's own counts as on the beat


@dataclass(frozen=True)
class Segment:
    """One move of a render: where it plays and which clip it shows."""

    start: float
    end: float
    clip: str


@dataclass(frozen=True)
class SegmentCheck:
    """What the pictures say about one segment."""

    segment: Segment
    lock: Lock  # the steps against the given grid, in the render
    expected: Lock  # the same clip's steps on its own music

    @property
    def judged(self) -> bool:
        return self.lock.strength >= MIN_LOCK and self.expected.strength >= MIN_LOCK

    @property
    def offset(self) -> float:
        """Beats by which the segment's steps land later than the clip's own (-0.5 to 0.5)."""
        return float(wrap(self.lock.phase - self.expected.phase))

    @property
    def on_beat(self) -> bool:
        return self.judged and abs(self.offset) < TOLERANCE


@dataclass(frozen=True)
class CheckReport:
    """Every segment's check and the shares that matter."""

    segments: list[SegmentCheck]

    @property
    def judged(self) -> list[SegmentCheck]:
        return [check for check in self.segments if check.judged]

    @property
    def on_beat_share(self) -> float | None:
        """Share of the judged segments whose dancers step on the grid's beat."""
        judged = self.judged
        return sum(check.on_beat for check in judged) / len(judged) if judged else None


def clip_lock(clip: Path, beats: np.ndarray) -> Lock:
    """The clip's steps against its own music's beats."""
    return step_lock(weight_transfer(read_frames(clip)), beats)


def check_video(video: Path, beats: np.ndarray, segments: list[Segment], expected: dict[str, Lock]) -> CheckReport:
    """Check every segment of ``video`` against ``beats``; ``expected`` gives each clip's own step lock."""
    signal = weight_transfer(read_frames(video))
    checks = [
        SegmentCheck(
            segment=segment,
            lock=step_lock(signal, beats, start=segment.start, end=segment.end),
            expected=expected.get(segment.clip, Lock(0.0, 0.0)),
        )
        for segment in segments
    ]
    return CheckReport(checks)
