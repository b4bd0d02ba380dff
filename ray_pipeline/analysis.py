"""Music analysis: beats, tempo, the 8-count grid, energy curve, sections and the 128-d audio embedding."""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

HOP = 512
COUNTS_PER_PHRASE = 8  # bachata counts 1-8 over two bars


@dataclass(frozen=True)
class BeatGrid:
    """Beat times, the tempo they imply and which beat is the first "1"."""

    tempo: float
    beats: np.ndarray
    first_one: int

    @property
    def phrase_starts(self) -> np.ndarray:
        """Indices of beats that start a complete 8-count."""
        last_start = len(self.beats) - COUNTS_PER_PHRASE
        return np.arange(self.first_one, last_start + 1, COUNTS_PER_PHRASE)

    def count_of(self, beat_index: int) -> int:
        """The count (1-8) a beat carries."""
        return (beat_index - self.first_one) % COUNTS_PER_PHRASE + 1


@dataclass(frozen=True)
class Section:
    """A run of 8-counts with similar energy."""

    start: float
    end: float
    energy: float  # 0-1 within this song
    level: str  # low | medium | high


def track_beats(samples: np.ndarray, sr: int) -> BeatGrid:
    """Beats by librosa's tracker; tempo from the median inter-beat interval (librosa's own value is quantised)."""
    onset_env = librosa.onset.onset_strength(y=samples, sr=sr, hop_length=HOP)
    _, frames = librosa.beat.beat_track(
        onset_envelope=onset_env, sr=sr, hop_length=HOP, start_bpm=125.0, units="frames"
    )
    beats = librosa.frames_to_time(frames, sr=sr, hop_length=HOP)
    if len(beats) < 2 * COUNTS_PER_PHRASE:
        return BeatGrid(tempo=0.0, beats=beats, first_one=0)
    return BeatGrid(tempo=tempo_of(beats), beats=beats, first_one=find_first_one(samples, sr, beats))


def tempo_of(beats: np.ndarray) -> float:
    """BPM from the median inter-beat interval, measured over 8-beat spans.

    Beat times sit on 23 ms analysis frames, so single intervals are quantised (127 and 132 BPM both read
    129.2); an interval averaged over a whole 8-count is eight times finer and still robust to outliers.
    """
    span = min(COUNTS_PER_PHRASE, len(beats) - 1)
    intervals = (beats[span:] - beats[:-span]) / span
    return 60.0 / float(np.median(intervals))


def _band_onsets(spectrum: np.ndarray, freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    band = spectrum[(freqs >= low) & (freqs < high)].sum(axis=0)
    return np.maximum(0.0, np.diff(np.log1p(band), prepend=np.log1p(band[:1])))


def _at_beats(envelope: np.ndarray, beats: np.ndarray, sr: int) -> np.ndarray:
    """The strongest value of an envelope within ±2 frames of each beat, z-scored over the song."""
    frames = librosa.time_to_frames(beats, sr=sr, hop_length=HOP)
    values = np.array([envelope[max(0, f - 2) : f + 3].max(initial=0.0) for f in frames])
    return (values - values.mean()) / (values.std() + 1e-9)


def find_first_one(samples: np.ndarray, sr: int, beats: np.ndarray) -> int:
    """Index of the first beat that is a "1".

    Bachata puts the bass on 1 and 5 and accents 4 and 8, which fixes the count modulo 4; the "1" is then
    told from the "5" by a stronger bass hit and by energy changes (phrases and sections start on 1).
    """
    spectrum = np.abs(librosa.stft(samples, n_fft=2048, hop_length=HOP))
    freqs = librosa.fft_frequencies(sr=sr, n_fft=2048)
    bass = _at_beats(_band_onsets(spectrum, freqs, 30, 150), beats, sr)
    accent = _at_beats(_band_onsets(spectrum, freqs, 200, 1200), beats, sr)
    rms = librosa.feature.rms(S=spectrum, frame_length=2048, hop_length=HOP)[0]
    beat_frames = librosa.time_to_frames(beats, sr=sr, hop_length=HOP)
    beat_energy = np.array([rms[f : f + 4].mean() if f < rms.size else 0.0 for f in beat_frames])
    novelty = np.abs(np.diff(beat_energy, prepend=beat_energy[:1]))
    novelty = (novelty - novelty.mean()) / (novelty.std() + 1e-9)
    counts = np.arange(len(beats))

    def mean_at(values: np.ndarray, phase: int, period: int) -> float:
        picked = values[counts % period == phase % period]
        return float(picked.mean()) if picked.size else 0.0

    bar_scores = [mean_at(bass, p, 4) + mean_at(accent, p + 3, 4) for p in range(4)]
    bar_phase = int(np.argmax(bar_scores))
    candidates = [bar_phase, bar_phase + 4]
    one_scores = [mean_at(bass, p, 8) - mean_at(bass, p + 4, 8) + 0.5 * mean_at(novelty, p, 8) for p in candidates]
    return candidates[int(np.argmax(one_scores))] % COUNTS_PER_PHRASE


def energy_curve(samples: np.ndarray, sr: int, *, rate: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Loudness over time, smoothed over ~1 s and sampled ``rate`` times a second, scaled 0-1."""
    rms = librosa.feature.rms(y=samples, frame_length=2048, hop_length=HOP)[0]
    frames_per_second = sr / HOP
    width = max(1, int(frames_per_second))
    smooth = np.convolve(rms, np.ones(width) / width, mode="same")
    times = np.arange(0, len(samples) / sr, 1.0 / rate)
    values = np.interp(times * frames_per_second, np.arange(smooth.size), smooth)
    span = values.max() - values.min()
    return times, (values - values.min()) / span if span > 0 else np.zeros_like(values)


def energy_levels(values: np.ndarray) -> list[str]:
    """low/medium/high by where each value sits in the song's own range."""
    low, high = np.percentile(values, [33.3, 66.7]) if values.size else (0.0, 0.0)
    return ["low" if v <= low else "high" if v > high else "medium" for v in values]


def sections(phrase_bounds: list[tuple[float, float]], phrase_energy: np.ndarray) -> list[Section]:
    """Consecutive 8-counts of the same energy level, merged."""
    if not phrase_bounds:
        return []
    span = phrase_energy.max() - phrase_energy.min()
    scaled = (phrase_energy - phrase_energy.min()) / span if span > 0 else np.full(phrase_energy.shape, 0.5)
    levels = energy_levels(scaled)
    merged: list[Section] = []
    run_start = 0
    for index in range(1, len(phrase_bounds) + 1):
        if index == len(phrase_bounds) or levels[index] != levels[run_start]:
            merged.append(
                Section(
                    start=phrase_bounds[run_start][0],
                    end=phrase_bounds[index - 1][1],
                    energy=float(scaled[run_start:index].mean()),
                    level=levels[run_start],
                )
            )
            run_start = index
    return merged


def _stats(matrix: np.ndarray) -> np.ndarray:
    return np.concatenate([matrix.mean(axis=1), matrix.std(axis=1)])


def audio_embedding(samples: np.ndarray, sr: int, tempo: float) -> np.ndarray:
    """The original's 128-d song vector: MFCC, chroma, spectral, rhythm, energy, tempo and structure blocks.

    Block positions follow the vectors stored in the production index (MFCC means at 0-12, their spread at
    13-25, chroma at 26-49, tempo at 101), then the whole vector is L2-normalised for cosine search.
    """
    stft = np.abs(librosa.stft(samples, n_fft=2048, hop_length=HOP))
    mel = librosa.feature.melspectrogram(S=stft**2, sr=sr)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=13)
    chroma = librosa.feature.chroma_stft(S=stft**2, sr=sr)
    spectral = np.vstack(
        [
            librosa.feature.spectral_centroid(S=stft, sr=sr) / 5000.0,
            librosa.feature.spectral_bandwidth(S=stft, sr=sr) / 5000.0,
            librosa.feature.spectral_rolloff(S=stft, sr=sr) / 10000.0,
            librosa.feature.zero_crossing_rate(samples, hop_length=HOP)[:, : stft.shape[1]],
            librosa.feature.spectral_flatness(S=stft),
        ]
    )
    contrast = librosa.feature.spectral_contrast(S=stft, sr=sr) / 50.0
    onset_env = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=sr)
    autocorr = librosa.autocorrelate(onset_env, max_size=27 * 4)[::4][:27]
    rhythm = autocorr / (autocorr[0] + 1e-9)
    rms = librosa.feature.rms(S=stft, frame_length=2048, hop_length=HOP)[0]
    bands = [stft[lo:hi].sum() for lo, hi in ((0, 14), (14, 93), (93, stft.shape[0]))]
    energy = np.array(
        [
            rms.mean(),
            rms.std(),
            rms.max(),
            np.percentile(rms, 10),
            np.percentile(rms, 90),
            *(np.array(bands) / (sum(bands) + 1e-9)),
            onset_env.mean() / 10,
            onset_env.std() / 10,
            0.0,
            0.0,
        ]
    )
    tonnetz = librosa.feature.tonnetz(chroma=chroma)
    vector = np.concatenate(
        [
            _stats(mfcc),  # 0-25
            _stats(chroma),  # 26-49
            _stats(spectral),  # 50-59
            _stats(contrast),  # 60-73
            rhythm,  # 74-100
            [tempo, tempo / 2.0, len(samples) / sr / 10.0],  # 101-103
            energy,  # 104-115
            _stats(tonnetz),  # 116-127
        ]
    )
    assert vector.size == 128, vector.size
    return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)
