"""Each clip's own music, analysed once per library and cached: size, frame rate, tempo, beats and its "1"s."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ray_pipeline.analysis import COUNTS_PER_PHRASE, track_beats
from ray_pipeline.media import ANALYSIS_SAMPLE_RATE, decode_audio, probe

_VERSION = 2  # bump when the analysis changes, so cached results are recomputed
_TEMPO_RANGE = (90.0, 180.0)  # bachata; trackers (and annotations) sometimes read half or double


@dataclass(frozen=True)
class ClipAnalysis:
    """What rendering needs to know about one clip."""

    duration: float
    fps: float
    width: int
    height: int
    tempo: float
    beats: tuple[float, ...]
    first_one: int

    def piece(self, counts: int) -> tuple[float, float] | None:
        """(start, end) in clip time of ``counts`` beats starting on one of the clip's "1"s, if it has them."""
        beats = np.asarray(self.beats)
        if beats.size < 2 or self.tempo <= 0:
            return None
        period = 60.0 / self.tempo
        for one in range(self.first_one, beats.size, COUNTS_PER_PHRASE):
            last = one + counts
            if last < beats.size:
                return float(beats[one]), float(beats[last])
            if last == beats.size and beats[-1] + period <= self.duration:
                return float(beats[one]), float(beats[-1] + period)
        return None


def _fold_tempo(tempo: float, beats: np.ndarray, first_one: int) -> tuple[float, np.ndarray, int]:
    """Bring a half- or double-time reading into the bachata range, adjusting beats and the "1" to match."""
    if 0 < tempo < _TEMPO_RANGE[0]:
        midpoints = (beats[:-1] + beats[1:]) / 2
        return tempo * 2, np.sort(np.concatenate([beats, midpoints])), (2 * first_one) % COUNTS_PER_PHRASE
    if tempo >= _TEMPO_RANGE[1]:
        start = first_one % 2
        return tempo / 2, beats[start::2], (first_one // 2) % COUNTS_PER_PHRASE
    return tempo, beats, first_one


def analyse_clip(path: Path) -> ClipAnalysis:
    """Probe the clip and track the beats of its own audio track."""
    info = probe(path)
    grid = track_beats(decode_audio(path), ANALYSIS_SAMPLE_RATE)
    tempo, beats, first_one = _fold_tempo(grid.tempo, grid.beats, grid.first_one)
    return ClipAnalysis(
        duration=info.duration,
        fps=info.fps or 30.0,
        width=info.width or 0,
        height=info.height or 0,
        tempo=tempo,
        beats=tuple(round(float(b), 4) for b in beats),
        first_one=first_one,
    )


class ClipAnalysisCache:
    """JSON files keyed by the clip's path, size and modification time (a changed file is analysed again)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _key_path(self, clip_path: Path) -> Path:
        stat = clip_path.stat()
        identity = f"{_VERSION}|{clip_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        return self.directory / f"{hashlib.sha256(identity.encode()).hexdigest()}.json"

    def get(self, clip_path: Path) -> ClipAnalysis | None:
        try:
            data = json.loads(self._key_path(clip_path).read_text())
        except (OSError, ValueError):
            return None
        return ClipAnalysis(**{**data, "beats": tuple(data["beats"])})

    def put(self, clip_path: Path, analysis: ClipAnalysis) -> None:
        target = self._key_path(clip_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(analysis)))
        temporary.replace(target)  # atomic: concurrent renders never read half a file
