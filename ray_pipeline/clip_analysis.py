"""Each clip analysed once per library and cached: its own music's beat grid, verified by its dancers' steps.

The couple danced to the clip's own music, so its beats (tracked like a song's) say where their steps fall.
The grid is then checked against the dancers: the bass marks the beat in the music, the weight-transfer
signal marks it in the picture, and when the two together say the grid sits on the off-beat (or at half or
double the dancers' tempo) it is corrected. Clips whose dancers follow no grid (turns, dips, intros) are
marked ``loose`` and placed where exact timing matters least.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ray_pipeline.beats import BASS_PHASE, COUNTS_PER_PHRASE, beat_time, onsets, tempo_of, track_beats
from ray_pipeline.downbeat import count_beats
from ray_pipeline.file_cache import PerFileCache
from ray_pipeline.looks import Look, looks_at
from ray_pipeline.media import ANALYSIS_SAMPLE_RATE, decode_audio, probe
from ray_pipeline.phase import Lock, Signal, phase_lock, wrap
from ray_pipeline.steps import picture_area, read_frames, step_lock, weight_transfer

_VERSION = 5  # bump when the analysis changes, so cached results are recomputed
# Where the dancers' weight-transfer signal peaks within a beat on a right grid: the circular mean over the
# 149-clip library is 0.90 beat (concentration 0.31; the bass's is 0.97 at BASS_PHASE, concentration 0.97).
STEP_PHASE = 0.90
# The steps' phase is far less consistent from clip to clip than the bass's, so they weigh less in a vote.
STEP_WEIGHT = 0.35
LOCKED = 0.35  # R of the steps below which the dancers follow no grid
TEMPO_SWITCH = 0.15  # how much better the dancers must lock at half/double tempo to change it
DANCEABLE = (80.0, 190.0)  # BPM; the tracker folds into TEMPO_RANGE, the dancers may know better


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
    one_confidence: float = 0.0
    step_lock: float = 0.0  # R of the dancers' steps on the final grid
    step_phase: float = STEP_PHASE  # φ of the steps on the final grid
    correction: str = "none"  # none | half-beat | half-tempo | double-tempo
    timing: str = "locked"  # locked | loose: the dancers follow no grid
    looks: tuple[Look, ...] = field(default=(), repr=False)  # the couple at each "1" (see ``looks``)
    picture: tuple[int, int, int, int] = (0, 0, 0, 0)  # x, y, width, height of the picture inside the bars
    content: str = ""  # SHA-256 of the clip file: prepared copies are keyed by it

    @property
    def dancers_agree(self) -> bool:
        """The dancers lock to this grid with the step phase of a couple on the beat."""
        return self.timing == "locked" and abs(wrap(self.step_phase - STEP_PHASE)) < 0.25

    def ones(self) -> list[int]:
        """Indices of the beats that are a "1"."""
        return list(range(self.first_one, len(self.beats), COUNTS_PER_PHRASE))

    def span(self, counts: int, *, after: int | None = None) -> tuple[int, int] | None:
        """Beat indices (first, last) of ``counts`` counts from one of the clip's "1"s, the earliest that fits.

        ``last`` may equal ``len(beats)``: a beat one period after the last one, when the clip lasts that long.
        """
        beats = self.beats
        if len(beats) < 2 or self.tempo <= 0:
            return None
        for one in self.ones():
            if after is not None and one < after:
                continue
            last = one + counts
            if last < len(beats) or (last == len(beats) and beats[-1] + 60.0 / self.tempo <= self.duration):
                return one, last
        return None

    def beat_time(self, index: int) -> float:
        """Time of beat ``index``; past the last beat, extrapolated at the tempo."""
        return beat_time(self.beats, self.tempo, index)

    def piece(self, counts: int) -> tuple[float, float] | None:
        """(start, end) in clip time of ``counts`` beats starting on one of the clip's "1"s, if it has them."""
        found = self.span(counts)
        return None if found is None else (self.beat_time(found[0]), self.beat_time(found[1]))


def _half_beat_later(beats: np.ndarray) -> np.ndarray:
    return (beats[:-1] + beats[1:]) / 2


def _vote(bass: Lock, steps: Lock) -> float:
    """Positive when the bass and the dancers together say the grid is on the beat, negative for the off-beat."""
    return bass.strength * np.cos(2 * np.pi * (bass.phase - BASS_PHASE)) + STEP_WEIGHT * steps.strength * np.cos(
        2 * np.pi * (steps.phase - STEP_PHASE)
    )


def _tempo_choices(beats: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The grid at half and double tempo, where that is still a tempo people dance bachata to."""
    tempo, choices = tempo_of(beats), []
    if tempo / 2 >= DANCEABLE[0] and len(beats) >= 2 * COUNTS_PER_PHRASE + 1:
        choices += [("half-tempo", beats[0::2]), ("half-tempo", beats[1::2])]
    if tempo * 2 <= DANCEABLE[1]:
        choices.append(("double-tempo", np.sort(np.concatenate([beats, _half_beat_later(beats)]))))
    return choices


def verify_grid(beats: np.ndarray, *, bass: Signal, steps: Signal) -> tuple[np.ndarray, str, Lock]:
    """The clip's grid after the dancers' check: (beats, the correction made, the steps' lock on it)."""
    correction = "none"
    steps_lock = step_lock(steps, beats)
    for name, alternative in _tempo_choices(beats):
        other = step_lock(steps, alternative)
        if other.strength >= max(LOCKED, steps_lock.strength + TEMPO_SWITCH):
            beats, correction, steps_lock = alternative, name, other
    if _vote(phase_lock(bass, beats), steps_lock) < 0 and len(beats) > 2:
        beats = _half_beat_later(beats)
        correction = "half-beat" if correction == "none" else f"{correction}, half-beat"
        steps_lock = step_lock(steps, beats)
    return beats, correction, steps_lock


def analyse_clip(path: Path) -> ClipAnalysis:
    """Probe the clip, track its own music's beats and verify them against its dancers' steps."""
    info = probe(path)
    samples = decode_audio(path)
    grid = track_beats(samples, ANALYSIS_SAMPLE_RATE)
    frames = read_frames(path)
    steps = weight_transfer(frames)
    found = onsets(samples, ANALYSIS_SAMPLE_RATE)
    beats, correction, steps_lock = grid.beats, "none", Lock(0.0, 0.0)
    if grid.tempo > 0:
        beats, correction, steps_lock = verify_grid(grid.beats, bass=Signal(found.bass, found.rate), steps=steps)
    counts, sureness = count_beats(found, beats)
    first_one = int(np.argmax(counts == 1)) if (counts == 1).any() else 0
    ones = beats[first_one::COUNTS_PER_PHRASE]
    rows, columns = picture_area(frames.grey)
    across, down = (info.width or 0) / frames.grey.shape[2], (info.height or 0) / frames.grey.shape[1]
    picture = (
        _even(columns.start * across),
        _even(rows.start * down),
        _even((columns.stop - columns.start) * across),
        _even((rows.stop - rows.start) * down),
    )
    return ClipAnalysis(
        duration=info.duration,
        fps=info.fps or 30.0,
        width=info.width or 0,
        height=info.height or 0,
        tempo=tempo_of(beats) if len(beats) >= 2 else 0.0,
        beats=tuple(round(float(b), 4) for b in beats),
        first_one=first_one,
        one_confidence=round(sureness, 3),
        step_lock=round(steps_lock.strength, 3),
        step_phase=round(steps_lock.phase, 3),
        correction=correction,
        timing="locked" if steps_lock.strength >= LOCKED else "loose",
        looks=tuple(looks_at(frames, [float(t) for t in ones])),
        picture=picture,
        content=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _even(pixels: float) -> int:
    """Crops in 4:2:0 video need even sides and offsets."""
    return int(round(pixels / 2) * 2)


class ClipAnalysisCache:
    """Clip analyses per clip file (a changed file is analysed again)."""

    def __init__(self, directory: Path):
        self.files = PerFileCache(directory, tag=str(_VERSION))

    def get(self, clip_path: Path) -> ClipAnalysis | None:
        data = self.files.get(clip_path)
        if data is None:
            return None
        return ClipAnalysis(
            **{
                **data,
                "beats": tuple(data["beats"]),
                "looks": tuple(Look.from_dict(look) for look in data["looks"]),
                "picture": tuple(data["picture"]),
            }
        )

    def put(self, clip_path: Path, analysis: ClipAnalysis) -> None:
        self.files.put(clip_path, asdict(analysis))
