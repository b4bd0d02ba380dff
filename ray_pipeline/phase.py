"""How a periodic signal locks to a beat grid: strength R (0-1) and phase φ (where in the beat it peaks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Signal:
    """Values sampled ``rate`` times a second from time ``start``."""

    values: np.ndarray
    rate: float
    start: float = 0.0

    @property
    def times(self) -> np.ndarray:
        return self.start + np.arange(self.values.size) / self.rate


@dataclass(frozen=True)
class Lock:
    """R = 1 when the signal peaks at the same place in every beat, ~0 when it ignores the beat."""

    strength: float
    phase: float  # 0-1: where in the beat (from one beat to the next) the signal peaks

    def offset_from(self, reference: float) -> float:
        """Signed distance in beats from a reference phase, in [-0.5, 0.5)."""
        return wrap(self.phase - reference)


def wrap(beats: float | np.ndarray) -> float | np.ndarray:
    """A phase difference brought into [-0.5, 0.5) beats."""
    return (beats + 0.5) % 1.0 - 0.5


def beat_position(times: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Fractional beat index at each time (NaN outside the grid): 3.25 is a quarter of the way from beat 3 to 4."""
    beats = np.asarray(beats, dtype=float)
    if beats.size < 2:
        return np.full(times.shape, np.nan)
    position = np.interp(times, beats, np.arange(beats.size))
    position[(times < beats[0]) | (times > beats[-1])] = np.nan
    return position


def oscillation(signal: Signal, beat_rate: float) -> np.ndarray:
    """The signal's phase angle (0 at its peaks) after keeping only the band around the beat rate."""
    # Imported here: half a second a process, which a render pays while its Ray runtime starts, not before.
    from scipy.signal import butter, hilbert, sosfiltfilt

    nyquist = signal.rate / 2
    low, high = 0.6 * beat_rate, min(1.5 * beat_rate, 0.95 * nyquist)
    values = signal.values - np.mean(signal.values)
    if values.size < 16 or low >= high:
        return np.full(values.size, np.nan)
    band = butter(2, [low, high], btype="band", fs=signal.rate, output="sos")
    return np.angle(hilbert(sosfiltfilt(band, values)))


def phase_lock(
    signal: Signal, beats: np.ndarray, *, start: float | None = None, end: float | None = None, angles=None
) -> Lock:
    """R and φ of ``signal`` against ``beats`` between ``start`` and ``end`` (the whole grid by default).

    Phase-locking value of the band-passed signal's phase against the grid's phase; ``angles`` may pass a
    precomputed ``oscillation`` so that many windows of one long signal share one filtering.
    """
    beats = np.asarray(beats, dtype=float)
    if beats.size < 3:
        return Lock(0.0, 0.0)
    if angles is None:
        angles = oscillation(signal, 1.0 / float(np.median(np.diff(beats))))
    times = signal.times
    position = beat_position(times, beats)
    keep = ~np.isnan(position) & ~np.isnan(angles)
    if start is not None:
        keep &= times >= start
    if end is not None:
        keep &= times < end
    if keep.sum() < 8:
        return Lock(0.0, 0.0)
    mean = np.mean(np.exp(1j * (angles[keep] - 2 * np.pi * position[keep])))
    return Lock(strength=float(np.abs(mean)), phase=float((-np.angle(mean) / (2 * np.pi)) % 1.0))
