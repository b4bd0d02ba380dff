"""Each clip's own music, analysed once per library and cached: size, frame rate, tempo, beats and its "1"s."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ray_pipeline.analysis import COUNTS_PER_PHRASE, track_beats
from ray_pipeline.file_cache import PerFileCache
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
    """Clip analyses per clip file (a changed file is analysed again)."""

    def __init__(self, directory: Path):
        self.files = PerFileCache(directory, tag=str(_VERSION))

    def get(self, clip_path: Path) -> ClipAnalysis | None:
        data = self.files.get(clip_path)
        return None if data is None else ClipAnalysis(**{**data, "beats": tuple(data["beats"])})

    def put(self, clip_path: Path, analysis: ClipAnalysis) -> None:
        self.files.put(clip_path, asdict(analysis))
