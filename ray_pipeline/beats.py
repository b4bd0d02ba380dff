"""Beat tracking that holds on syncopated bachata: the bass marks the beat.

Bachata's güira, bongo and guitars play on and between the beats, so a tracker fed only the usual onset
envelope often locks onto the off-beat (a third of the beats of a real-music song, measured). The bass (and
kick) play on the beat, so the tracker follows an envelope in which the low band weighs as much as the rest,
with a strong preference for an even pulse that carries it through breaks without bass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ray_pipeline.downbeat import count_beats
from ray_pipeline.phase import Signal, oscillation, phase_lock, wrap

HOP = 256  # 11.6 ms at 22050 Hz
N_FFT = 2048
COUNTS_PER_PHRASE = 8  # bachata counts 1-8 over two bars
BASS_BAND = (30.0, 150.0)
TEMPO_RANGE = (90.0, 180.0)  # bachata; a reading outside is a half- or double-time one
TIGHTNESS = 400.0  # dynamic programming's preference for an even pulse (librosa's default is 100)
MIN_BASS_LOCK = 0.2  # an 8-count whose bass locks less than this has no clear bass to judge by
BASS_PHASE = 0.97  # where the bass onsets sit within a beat on a right grid (the 149 clips' circular mean)


@dataclass(frozen=True)
class BeatGrid:
    """Beat times, the tempo they imply, the count (1-8) of every beat, and how sure the analysis is."""

    tempo: float
    beats: np.ndarray
    counts: np.ndarray  # 1-8 per beat
    one_confidence: float = 0.0  # 0-1: mean posterior probability of the "1"s chosen
    bass_on_beat: float = 0.0  # share of judged 8-counts whose bass sits on the beats, not between them

    @property
    def first_one(self) -> int:
        """Index of the first beat that is a "1"."""
        ones = self.ones
        return int(ones[0]) if ones.size else 0

    @property
    def ones(self) -> np.ndarray:
        """Indices of the beats that are a "1"."""
        return np.flatnonzero(self.counts == 1)

    def count_of(self, beat_index: int) -> int:
        """The count (1-8) a beat carries."""
        return int(self.counts[beat_index])

    def beat_time(self, index: int) -> float:
        """Time of beat ``index``; past the last beat, extrapolated at the tempo."""
        return beat_time(self.beats, self.tempo, index)

    def phrase_spans(self) -> list[tuple[int, int]]:
        """(first, end) beat indices of every 8-count: from a "1" to the next, or 8 beats when none follows.

        A phrase is usually 8 beats; where the counting starts over (a break, an odd bar) it is shorter or
        longer, and moves placed on it keep their own counts on the song's beats all the same.
        """
        ones = list(self.ones)
        spans = []
        for position, first in enumerate(ones):
            end = ones[position + 1] if position + 1 < len(ones) else first + COUNTS_PER_PHRASE
            if end - first >= COUNTS_PER_PHRASE // 2 and end <= len(self.beats):
                spans.append((int(first), int(end)))
        return spans


def beat_time(beats, tempo: float, index: int) -> float:
    """Time of beat ``index`` of ``beats``; one or more past the end are extrapolated at ``tempo``."""
    if index < len(beats):
        return float(beats[index])
    return float(beats[-1]) + (index - len(beats) + 1) * 60.0 / tempo


@dataclass(frozen=True)
class Onsets:
    """Onset envelopes of one recording (one value per ``HOP`` samples) and its magnitude spectrum."""

    full: np.ndarray
    bass: np.ndarray
    spectrum: np.ndarray
    sr: int

    @property
    def rate(self) -> float:
        """Envelope frames per second."""
        return self.sr / HOP

    @property
    def pulse(self) -> np.ndarray:
        """What the tracker follows: the bass and the whole spectrum, each scaled to its loud end."""
        return _scaled(self.bass) + _scaled(self.full)


def _scaled(envelope: np.ndarray) -> np.ndarray:
    return envelope / (np.percentile(envelope, 95) + 1e-9)


def magnitude_spectrum(samples: np.ndarray) -> np.ndarray:
    """|STFT| (bins x frames) with a Hann window, frames centred on multiples of HOP, as librosa computes it."""
    import scipy.fft  # here, not at the top: a render that hears on the node never loads it (0.2 s)

    padded = np.pad(samples.astype(np.float32), N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    return np.abs(scipy.fft.rfft(frames * window, axis=1, workers=-1)).T


def onsets(samples: np.ndarray, sr: int) -> Onsets:
    """The usual spectral flux onset envelope and the bass band's own flux.

    Plain numpy rather than librosa's stft and onset_strength (the same figures: dB spectrum, positive
    differences averaged over frequency, shifted by its centring), which cost seconds of loading in a fresh
    process, every render.
    """
    spectrum = magnitude_spectrum(samples)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / sr)
    band = np.log1p(100.0 * spectrum[(freqs >= BASS_BAND[0]) & (freqs < BASS_BAND[1])]).mean(axis=0)
    bass = np.maximum(0.0, np.diff(band, prepend=band[:1]))
    decibels = 20.0 * np.log10(np.maximum(spectrum, 1e-5))
    decibels = np.maximum(decibels, decibels.max() - 80.0)
    flux = np.maximum(0.0, np.diff(decibels, axis=1)).mean(axis=0)
    full = np.pad(flux, (1 + N_FFT // (2 * HOP), 0))[: spectrum.shape[1]]
    return Onsets(full=full, bass=bass, spectrum=spectrum, sr=sr)


def estimate_tempo(pulse: np.ndarray, rate: float, *, around: float = 125.0) -> float:
    """The pulse's strongest period (autocorrelation weighted towards ``around`` BPM, an octave wide), in BPM."""
    centred = pulse - pulse.mean()
    size = 1 << int(np.ceil(np.log2(2 * centred.size)))
    spectrum = np.fft.rfft(centred, size)
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum), size)[: centred.size]
    lags = np.arange(int(rate * 60 / 240), int(rate * 60 / 40) + 1)
    bpm = 60.0 * rate / lags
    weighted = autocorrelation[lags] * np.exp(-0.5 * np.log2(bpm / around) ** 2)
    best = int(np.argmax(weighted))
    if 0 < best < lags.size - 1:  # a parabola through the peak and its neighbours: a finer lag than one frame
        left, middle, right = weighted[best - 1 : best + 2]
        shift = 0.5 * (left - right) / (left - 2 * middle + right) if left - 2 * middle + right else 0.0
        return 60.0 * rate / (lags[best] + shift)
    return float(bpm[best])


def fold_tempo(bpm: float) -> float:
    """A half- or double-time reading brought into bachata's range."""
    while 0 < bpm < TEMPO_RANGE[0]:
        bpm *= 2
    while bpm >= TEMPO_RANGE[1]:
        bpm /= 2
    return bpm


def tempo_of(beats: np.ndarray) -> float:
    """BPM from the median inter-beat interval, measured over 8-beat spans.

    Beat times sit on analysis frames, so single intervals are quantised (127 and 132 BPM both read 129.2
    from librosa); an interval averaged over a whole 8-count is eight times finer and still robust to outliers.
    """
    span = min(COUNTS_PER_PHRASE, len(beats) - 1)
    intervals = (beats[span:] - beats[:-span]) / span
    return 60.0 / float(np.median(intervals))


def bass_on_beat(beats: np.ndarray, found: Onsets) -> float:
    """Share of 8-counts (where the bass is clear) whose bass onsets sit on the beats rather than between them.

    The tracker follows the bass, so a low share means it lost the beat somewhere: a figure that can
    disagree with the grid it describes.
    """
    if len(beats) < COUNTS_PER_PHRASE + 1:
        return 0.0
    bass = Signal(found.bass, found.rate)
    angles = oscillation(bass, 1.0 / float(np.median(np.diff(beats))))  # filtered once for every 8-count
    judged = on_beat = 0
    for start in range(0, len(beats) - COUNTS_PER_PHRASE, COUNTS_PER_PHRASE):
        stop = start + COUNTS_PER_PHRASE
        lock = phase_lock(bass, beats, start=beats[start], end=beats[stop], angles=angles)
        if lock.strength >= MIN_BASS_LOCK:
            judged += 1
            on_beat += abs(wrap(lock.phase - BASS_PHASE)) < 0.25
    return on_beat / judged if judged else 0.0


def follow_pulse(pulse: np.ndarray, rate: float, bpm: float, *, tightness: float = TIGHTNESS) -> np.ndarray:
    """Beat frames by dynamic programming (Ellis 2007): strong pulse, an even period, the best path to the end.

    Unlike librosa's tracker, which ends on the last strong-enough peak and can finish a song on the off-beat,
    the path ends on the best-scoring beat of the last period.
    """
    period = rate * 60.0 / bpm
    reach = np.arange(-int(period), int(period) + 1)
    local = np.convolve(pulse / (pulse.std() + 1e-9), np.exp(-0.5 * (reach * 32.0 / period) ** 2), mode="same")
    offsets = np.arange(-round(2 * period), -round(period / 2) + 1)  # where the previous beat may be
    penalty = -tightness * np.log(-offsets / period) ** 2
    total, previous = local.copy(), np.full(local.size, -1)
    step = max(1, round(period / 2))  # every frame of a block depends only on frames before the block
    for block in range(0, local.size, step):
        frames = np.arange(block, min(block + step, local.size))
        candidates = frames[:, None] + offsets[None, :]
        scores = np.where(candidates >= 0, total[np.maximum(candidates, 0)] + penalty, -np.inf)
        best = scores.argmax(axis=1)
        reachable = np.isfinite(scores[np.arange(frames.size), best])
        total[frames[reachable]] = local[frames[reachable]] + scores[np.arange(frames.size), best][reachable]
        previous[frames[reachable]] = candidates[np.arange(frames.size), best][reachable]
    tail = np.arange(max(0, local.size - round(period)), local.size)
    path = [int(tail[np.argmax(total[tail])])]
    while previous[path[-1]] >= 0:
        path.append(int(previous[path[-1]]))
    beats = np.array(path[::-1])
    strong = local[beats] > 0.1 * np.median(local[beats])  # no beats over the silence before and after
    return beats[int(np.argmax(strong)) : beats.size - int(np.argmax(strong[::-1]))]


def follow_both_ways(pulse: np.ndarray, rate: float, bpm: float) -> np.ndarray:
    """Beat frames from a forward and a backward pass, joined where they agree nearest the middle.

    A pass is surest where its path ends (it chose that beat knowing everything before it), so the forward
    pass keeps the second half and the backward pass the first, where a quiet opening can bend a forward path.
    """
    forward = follow_pulse(pulse, rate, bpm)
    backward = np.sort(pulse.size - 1 - follow_pulse(pulse[::-1].copy(), rate, bpm))
    shared = [frame for frame in forward if backward.size and np.min(np.abs(backward - frame)) <= 1]
    if not shared:
        return forward
    join = min(shared, key=lambda frame: abs(frame - pulse.size // 2))
    return np.concatenate([backward[backward < join - 1], forward[forward >= join]])


def track_beats(samples: np.ndarray, sr: int) -> BeatGrid:
    """Beats, tempo, the "1" and how sure each is, for a song or a clip's own music."""
    found = onsets(samples, sr)
    pulse = found.pulse
    estimate = fold_tempo(estimate_tempo(pulse, found.rate))
    beats = follow_both_ways(pulse, found.rate, estimate) / found.rate
    if len(beats) < 2 * COUNTS_PER_PHRASE:
        return BeatGrid(tempo=0.0, beats=beats, counts=np.arange(len(beats)) % COUNTS_PER_PHRASE + 1)
    counts, sureness = count_beats(found, beats)
    return BeatGrid(
        tempo=tempo_of(beats),
        beats=beats,
        counts=counts,
        one_confidence=round(sureness, 3),
        bass_on_beat=round(bass_on_beat(beats, found), 3),
    )
