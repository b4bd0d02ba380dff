"""The "1": which count (1-8) each beat carries, from every cue the music gives, and how sure that is.

Bachata puts the bass on 1 and 5 (stronger on 1) and accents the 4 and 8 (bongo, güira); chords change at
the start of a bar, and phrases and sections start on a "1". Each cue is measured per beat and z-scored.
The counts are then decoded along the whole song (a hidden Markov model: every beat moves the count on by
one, a rare restart lets a phrase begin anew after a break or an odd bar), so a beat the tracker added or
dropped costs one phrase, not the rest of the song.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ray_pipeline.beats import Onsets

COUNTS = 8
ACCENT_BAND = (200.0, 1200.0)
# How much each cue says about each count (index 0 is the "1"); centred so only the differences matter.
TEMPLATES = {
    "bass": np.array([1.5, 0, 0, 0, 0.5, 0, 0, 0]),
    "accent": np.array([0, 0, 0, 1.0, 0, 0, 0, 1.0]),
    "harmony": np.array([1.25, 0, 0, 0, 0.75, 0, 0, 0]),
    "novelty": np.array([0.5, 0, 0, 0, 0, 0, 0, 0]),
}
CUE_SCALE = 0.5  # log-likelihood per unit of (z-scored cue times template)
RESTART = 1e-3  # chance per beat that the counting starts over somewhere else


@lru_cache(maxsize=4)
def _pitch_classes(sr: int, n_fft: int) -> np.ndarray:
    """12 x bins: how much each FFT bin (55 Hz to 5 kHz) speaks for each pitch class, at concert pitch."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    semitones_above_c = 12 * np.log2(np.maximum(freqs, 1e-9) / 440.0) + 9  # A4 is 9 semitones above C4
    distance = (semitones_above_c[None, :] - np.arange(12)[:, None] + 6) % 12 - 6
    return np.exp(-0.5 * (distance / 0.5) ** 2) * ((freqs >= 55.0) & (freqs <= 5000.0))


def logsumexp(values: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(values))) along ``axis`` without overflow."""
    top = values.max(axis=axis, keepdims=True)
    total = np.log(np.exp(values - top).sum(axis=axis, keepdims=True)) + top
    return total if keepdims else np.squeeze(total, axis=axis)


def _zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9)


def _per_beat(envelope: np.ndarray, frames: np.ndarray, reach: int) -> np.ndarray:
    """The strongest value of an envelope within ``reach`` frames of each beat."""
    return np.array([envelope[max(0, f - reach) : f + reach + 1].max(initial=0.0) for f in frames])


def beat_cues(found: Onsets, beats: np.ndarray) -> dict[str, np.ndarray]:
    """Per beat: bass hit, accent, chord change and loudness change, each z-scored over the recording."""
    frames = np.clip(np.round(np.asarray(beats) * found.rate).astype(int), 0, found.full.size - 1)
    reach = max(1, round(0.04 * found.rate))
    n_fft = 2 * (found.spectrum.shape[0] - 1)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / found.sr)
    band = np.log1p(100.0 * found.spectrum[(freqs >= ACCENT_BAND[0]) & (freqs < ACCENT_BAND[1])]).mean(axis=0)
    accent = np.maximum(0.0, np.diff(band, prepend=band[:1]))
    chroma = _pitch_classes(found.sr, n_fft) @ found.spectrum**2
    chroma /= np.maximum(chroma.max(axis=0, keepdims=True), 1e-10)  # each frame's loudest class is 1
    edges = np.append(frames, found.full.size)
    spans = list(zip(edges[:-1], np.maximum(edges[:-1] + 1, edges[1:]), strict=True))
    unit = np.stack([chroma[:, a:b].mean(axis=1) for a, b in spans])
    padded = np.vstack([unit[:1], unit[:1], unit, unit[-1:]])
    before, after = padded[:-3] + padded[1:-2], padded[2:-1] + padded[3:]  # two beats before, two from here
    harmony = 1.0 - np.sum(before * after, axis=1) / (
        np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-9
    )
    loudness = np.log1p(found.spectrum.sum(axis=0))
    beat_loudness = np.array([loudness[a:b].mean() for a, b in spans])
    return {
        "bass": _zscore(_per_beat(found.bass, frames, reach)),
        "accent": _zscore(_per_beat(accent, frames, reach)),
        "harmony": _zscore(harmony),
        "novelty": _zscore(np.abs(np.diff(beat_loudness, prepend=beat_loudness[:1]))),
    }


def _emissions(cues: dict[str, np.ndarray]) -> np.ndarray:
    """Log-likelihood of each count (columns) at each beat (rows)."""
    size = len(next(iter(cues.values())))
    scores = np.zeros((size, COUNTS))
    for name, template in TEMPLATES.items():
        scores += np.outer(cues[name], template - template.mean())
    return CUE_SCALE * scores


def _transitions() -> np.ndarray:
    moves = np.full((COUNTS, COUNTS), np.log(RESTART / (COUNTS - 1)))
    moves[np.arange(COUNTS), (np.arange(COUNTS) + 1) % COUNTS] = np.log(1.0 - RESTART)
    return moves


def decode_counts(cues: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
    """The most likely count (1-8) of every beat, and the mean posterior probability of the "1"s chosen."""
    emissions, moves = _emissions(cues), _transitions()
    size = emissions.shape[0]
    best, back = emissions[0].copy(), np.zeros((size, COUNTS), dtype=int)
    forward = np.empty((size, COUNTS))
    forward[0] = emissions[0] - np.log(COUNTS)
    for beat in range(1, size):
        paths = best[:, None] + moves
        back[beat] = paths.argmax(axis=0)
        best = paths.max(axis=0) + emissions[beat]
        forward[beat] = logsumexp(forward[beat - 1][:, None] + moves, axis=0) + emissions[beat]
    path = [int(best.argmax())]
    for beat in range(size - 1, 0, -1):
        path.append(int(back[beat][path[-1]]))
    counts = np.array(path[::-1])
    backward = np.zeros((size, COUNTS))
    for beat in range(size - 2, -1, -1):
        backward[beat] = logsumexp(moves + emissions[beat + 1] + backward[beat + 1], axis=1)
    posterior = forward + backward
    posterior = np.exp(posterior - logsumexp(posterior, axis=1, keepdims=True))
    ones = np.flatnonzero(counts == 0)
    sureness = float(posterior[ones, 0].mean()) if ones.size else 0.0
    return counts + 1, sureness


def count_beats(found: Onsets, beats: np.ndarray) -> tuple[np.ndarray, float]:
    """Counts 1-8 for ``beats`` of the recording whose onsets are ``found``, and how sure the "1"s are (0-1)."""
    if len(beats) < COUNTS:
        return (np.arange(len(beats)) % COUNTS) + 1, 0.0
    return decode_counts(beat_cues(found, beats))
