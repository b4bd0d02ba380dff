"""Music analysis besides the beats: energy curve, sections and the original's 128-d audio embedding."""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

HOP = 512  # the original analyser's hop; the embedding depends on it
TUNING_STRIDE = 4


@dataclass(frozen=True)
class Section:
    """A run of 8-counts with similar energy."""

    start: float
    end: float
    energy: float  # 0-1 within this song
    level: str  # low | medium | high


def frame_rms(samples: np.ndarray, frame_length: int = 2048) -> np.ndarray:
    """Root mean square of centred frames every HOP samples, as librosa.feature.rms(y=...) computes it.

    Plain numpy: loading librosa's feature module costs a fresh process over a second, and the song's
    loudness is needed by the process that hears the beats, which otherwise never loads it.
    """
    padded = np.pad(samples, frame_length // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::HOP]
    return np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))


def span_loudness(samples: np.ndarray, sr: int, bounds: list[tuple[float, float]]) -> np.ndarray:
    """Loudness (RMS) of each (start, end) span in seconds, such as the song's 8-counts."""
    spans = [samples[int(a * sr) : max(int(a * sr) + 1, int(b * sr))] for a, b in bounds]
    return np.array([float(np.sqrt(np.mean(np.square(span)))) for span in spans])


def energy_curve(samples: np.ndarray, sr: int, *, rate: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Loudness over time, smoothed over ~1 s and sampled ``rate`` times a second, scaled 0-1."""
    rms = frame_rms(samples)
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


TEMPO_BLOCK = slice(101, 104)  # tempo, half the tempo, tenths of the duration


def audio_embedding(samples: np.ndarray, sr: int, tempo: float) -> np.ndarray:
    """The original's 128-d song vector: MFCC, chroma, spectral, rhythm, energy, tempo and structure blocks.

    Block positions follow the vectors stored in the production index (MFCC means at 0-12, their spread at
    13-25, chroma at 26-49, tempo at 101), then the whole vector is L2-normalised for cosine search.
    """
    return with_tempo(audio_features(samples, sr), tempo, samples.size / sr)


def with_tempo(features: np.ndarray, tempo: float, duration: float) -> np.ndarray:
    """The embedding from ``audio_features`` once the tempo is known: the tempo block filled in, normalised."""
    vector = features.astype(np.float64).copy()
    vector[TEMPO_BLOCK] = [tempo, tempo / 2.0, duration / 10.0]
    return (vector / (np.linalg.norm(vector) + 1e-12)).astype(np.float32)


def audio_features(samples: np.ndarray, sr: int) -> np.ndarray:
    """Every block of the embedding but the tempo (zeros there), unnormalised: it can start before the beats."""
    stft = np.abs(librosa.stft(samples, n_fft=2048, hop_length=HOP))
    power = stft**2
    mel = librosa.feature.melspectrogram(S=power, sr=sr)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=13)
    # The tuning is one figure for the whole song: every TUNING_STRIDE-th frame finds it as all of them do
    # (tests/test_analysis.py), in a quarter of the time chroma_stft's own estimate over every frame takes.
    tuning = librosa.estimate_tuning(S=power[:, ::TUNING_STRIDE], sr=sr, bins_per_octave=12)
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, tuning=tuning)
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
            [0.0, 0.0, 0.0],  # 101-103, TEMPO_BLOCK
            energy,  # 104-115
            _stats(tonnetz),  # 116-127
        ]
    )
    assert vector.size == 128, vector.size
    return vector
