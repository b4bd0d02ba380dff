"""Real-music songs with known beats, assembled from the library's own audio (real bachata), for evaluation.

Each clip's music is real bachata, and a clip whose dancers lock to its grid with the phase of a couple on
the beat has beats verified twice over (its bass and its dancers). Whole 8-counts of such clips, resampled
to a slowly drifting song tempo (a live band) and joined between beats, make songs whose beats are known.
Some 8-counts lose their bass (a break), some are quieter: where trackers slip onto the off-beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfiltfilt

from ray_pipeline.beats import COUNTS_PER_PHRASE
from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.media import decode_audio

BREAK_SHARE = 0.15  # 8-counts played without their bass
MAX_STRETCH = 0.08  # a clip is resampled by at most this much to reach the song's tempo
JOIN = 0.01  # seconds of crossfade at each join


@dataclass(frozen=True)
class AssembledSong:
    """Samples of an assembled song, its true beats, the "1"s its pieces start on, and where they came from."""

    samples: np.ndarray
    sr: int
    beats: np.ndarray
    ones: np.ndarray
    pieces: list[tuple[str, float, float]]  # clip, start and end in the song

    @property
    def duration(self) -> float:
        return self.samples.size / self.sr


def verified(analyses: dict[Path, ClipAnalysis]) -> dict[Path, ClipAnalysis]:
    """The clips whose grids both their bass and their dancers confirm, with at least one whole 8-count.

    Intros and outros are left out: their music starts or ends a song (fade-ins, slowing to a stop), which
    has no place in the middle of one.
    """
    return {
        path: analysis
        for path, analysis in analyses.items()
        if analysis.dancers_agree
        and analysis.correction == "none"
        and analysis.span(COUNTS_PER_PHRASE)
        and path.parent.name not in ("intros", "outro")
    }


def _local_tempo(bpm: float, drift: float, at: float) -> float:
    return bpm * (1.0 + drift * np.sin(2 * np.pi * at / 47.0))  # a slow, uneven wander over ~47 s


def _piece(
    samples: np.ndarray, sr: int, analysis: ClipAnalysis, first: int, *, period: float
) -> tuple[np.ndarray, np.ndarray]:
    """One 8-count from beat ``first`` on a straight-line grid, resampled to ``period``: (audio, beat offsets)."""
    indices = np.arange(first, first + COUNTS_PER_PHRASE + 1)
    times = np.array([analysis.beat_time(int(i)) for i in indices])
    slope, intercept = np.polyfit(indices - first, times, 1)
    start = intercept - 0.25 * slope  # joins fall between beats, never on one
    piece = samples[int(start * sr) : int((start + COUNTS_PER_PHRASE * slope) * sr)]
    ratio = Fraction(period / slope).limit_denominator(400)
    stretched = resample_poly(piece, ratio.numerator, ratio.denominator).astype(np.float32)
    return stretched, (0.25 + np.arange(COUNTS_PER_PHRASE)) * period


def assemble(
    clips: dict[Path, ClipAnalysis], *, bpm: float, seconds: float, seed: int, drift: float = 0.015, sr: int = 22050
) -> AssembledSong:
    """A song of about ``seconds`` at ``bpm`` (drifting by ``drift``) from whole 8-counts of verified clips."""
    rng = np.random.default_rng(seed)
    usable = [path for path, a in clips.items() if abs(a.tempo / bpm - 1.0) <= MAX_STRETCH]
    if not usable:
        raise ValueError(f"no verified clip within {MAX_STRETCH:.0%} of {bpm} BPM")
    no_bass = butter(4, 250.0, btype="highpass", fs=sr, output="sos")
    fade = int(JOIN * sr)
    audio: list[np.ndarray] = []
    beats: list[float] = []
    ones: list[float] = []
    pieces: list[tuple[str, float, float]] = []
    cursor = 0.0
    decoded: dict[Path, np.ndarray] = {}
    while cursor < seconds:
        path = usable[int(rng.integers(len(usable)))]
        analysis = clips[path]
        samples = decoded.setdefault(path, decode_audio(path, sample_rate=sr))
        starts = [
            one
            for one in analysis.ones()
            if analysis.span(COUNTS_PER_PHRASE, after=one) == (one, one + COUNTS_PER_PHRASE)
            and analysis.beat_time(one) > 0.25 * 60.0 / analysis.tempo
        ]
        for first in starts[: int(rng.integers(1, 3))]:  # one or two 8-counts of the same clip
            period = 60.0 / _local_tempo(bpm, drift, cursor)
            piece, offsets = _piece(samples, sr, analysis, first, period=period)
            if rng.uniform() < BREAK_SHARE:
                piece = sosfiltfilt(no_bass, piece).astype(np.float32)
            piece = piece * np.float32(rng.uniform(0.45, 1.0))
            if audio and fade:
                piece[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)
                audio[-1][-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
            beats.extend(cursor + offsets)
            ones.append(cursor + offsets[0])
            pieces.append((path.stem, round(cursor, 3), round(cursor + piece.size / sr, 3)))
            audio.append(piece)
            cursor += piece.size / sr
    samples = np.concatenate(audio)
    return AssembledSong(
        samples=samples / max(1e-9, float(np.abs(samples).max())) * 0.9,
        sr=sr,
        beats=np.asarray(beats),
        ones=np.asarray(ones),
        pieces=pieces,
    )
