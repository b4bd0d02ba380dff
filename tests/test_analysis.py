"""Beat grid, tempo, the "1" and the embedding on generated songs and real bachata with known answers."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from ray_pipeline.analysis import (
    HOP,
    TUNING_STRIDE,
    audio_embedding,
    audio_features,
    frame_rms,
    sections,
    with_tempo,
)
from ray_pipeline.beats import COUNTS_PER_PHRASE, tempo_of, track_beats
from ray_pipeline.downbeat import decode_counts
from ray_pipeline.library import MoveIndex, load_library, playable
from ray_pipeline.metrics import beat_f_measure
from ray_pipeline.pipeline import Renderer
from ray_pipeline.real_music import assemble, verified
from ray_pipeline.synthetic import SAMPLE_RATE, song_samples


@pytest.mark.parametrize("bpm", [118, 128, 136])
@pytest.mark.parametrize("first_beat", [0.4, 1.3])
def test_beats_tempo_and_the_one_on_generated_songs(bpm, first_beat):
    samples, beats, ones, _ = song_samples(bpm=bpm, duration=60, first_beat=first_beat, seed=bpm)
    grid = track_beats(samples, SAMPLE_RATE)
    assert beat_f_measure(grid.beats, beats) >= 0.95
    assert abs(grid.tempo - bpm) <= 1.0
    found_one = grid.beats[grid.first_one]
    assert np.min(np.abs(ones - found_one)) <= 0.07, "the first '1' found is not a true '1'"
    for start in grid.ones:
        assert np.min(np.abs(ones - grid.beats[start])) <= 0.07


def test_tempo_is_not_quantised_like_librosas():
    """127 and 132 BPM read the same 129.2 from librosa; from 8-beat spans they stay apart."""
    for bpm in (127, 132):
        beats = np.round(np.arange(0, 60, 60 / bpm) * SAMPLE_RATE / 512) * 512 / SAMPLE_RATE
        assert abs(tempo_of(beats) - bpm) < 0.5


def test_count_of_wraps_over_eight_counts():
    samples, *_ = song_samples(bpm=128, duration=40, seed=1)
    grid = track_beats(samples, SAMPLE_RATE)
    counts = [grid.count_of(i) for i in range(grid.first_one, grid.first_one + 2 * COUNTS_PER_PHRASE)]
    assert counts == [1, 2, 3, 4, 5, 6, 7, 8] * 2


def test_sections_follow_energy_changes():
    bounds = [(i * 4.0, (i + 1) * 4.0) for i in range(6)]
    merged = sections(bounds, np.array([0.1, 0.1, 0.9, 0.95, 0.5, 0.1]))
    assert [(s.start, s.end, s.level) for s in merged] == [
        (0.0, 8.0, "low"),
        (8.0, 16.0, "high"),
        (16.0, 20.0, "medium"),
        (20.0, 24.0, "low"),
    ]


def test_embedding_is_a_unit_128_vector_in_the_index_layout():
    samples, *_ = song_samples(bpm=128, duration=30, seed=3)
    vector = audio_embedding(samples, SAMPLE_RATE, 128.0)
    assert vector.shape == (128,)
    assert abs(np.linalg.norm(vector) - 1.0) < 1e-5
    assert vector[0] < 0  # MFCC 0 (log energy) leads, negative, as in the stored vectors
    assert vector[101] == pytest.approx(vector[102] * 2)  # the tempo block


def test_beat_f_measure():
    truth = np.arange(0, 10, 0.5)
    assert beat_f_measure(truth + 0.03, truth) == 1.0
    assert beat_f_measure(truth + 0.2, truth) == 0.0
    assert beat_f_measure(truth[::2], truth) == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_counts_start_over_where_the_music_does():
    """A beat the tracker added mid-song costs one phrase, not the rest of the song's counts."""
    counts = np.r_[np.arange(64) % 8, np.arange(3, 67) % 8]  # an extra bar fragment: counting restarts on 4
    template = {"bass": [2.0, 0, 0, 0, 1.0, 0, 0, 0], "accent": [0, 0, 0, 1.0, 0, 0, 0, 1.0]}
    cues = {name: np.array([values[c] for c in counts]) for name, values in template.items()}
    cues |= {"harmony": np.zeros(counts.size), "novelty": np.zeros(counts.size)}
    cues = {name: (v - v.mean()) / (v.std() + 1e-9) for name, v in cues.items()}
    decoded, sureness = decode_counts(cues)
    assert np.array_equal(decoded, counts + 1)
    assert sureness > 0.9


@pytest.fixture(scope="module")
def real_bachata(ray_two_cpus, real_library_dir, render_cache):
    """Three 90-s songs assembled from 8-counts of real clips whose bass and dancers both confirm their beats."""
    clips = [c for c in playable(load_library(real_library_dir)) if 125 <= c.estimated_tempo <= 135]
    renderer = Renderer(index=MoveIndex(clips), cache_dir=render_cache, cpus=2)
    analyses = renderer.clip_analyses(clips)
    confirmed = verified({clip.path: analyses[clip.clip_id] for clip in clips if clip.clip_id in analyses})
    assert len(confirmed) >= 10
    return [assemble(confirmed, bpm=bpm, seconds=90, seed=seed) for bpm, seed in ((129, 2), (127, 3), (133, 5))]


def half_beat_slips(detected: np.ndarray, truth: np.ndarray) -> float:
    """Share of true beats whose nearest detected beat is nearer the off-beat than the beat."""
    period = float(np.median(np.diff(truth)))
    nearest = np.array([detected[np.argmin(np.abs(detected - beat))] for beat in truth])
    return float(np.mean(np.abs(nearest - truth) > 0.25 * period))


def test_the_tracker_holds_the_beat_on_real_bachata(real_bachata):
    for song, bpm in zip(real_bachata, (129, 127, 133), strict=True):
        grid = track_beats(song.samples, song.sr)
        assert beat_f_measure(grid.beats, song.beats) >= 0.98
        assert half_beat_slips(grid.beats, song.beats) == 0.0
        assert abs(grid.tempo - bpm) < 1.0
        on_true_ones = [np.min(np.abs(song.ones - grid.beats[i])) <= 0.07 for i in grid.ones]
        assert np.mean(on_true_ones) >= 0.9
        assert grid.bass_on_beat >= 0.9


def test_the_same_songs_defeat_a_tracker_without_the_bass(real_bachata):
    """The songs are hard enough to matter: librosa's own tracker (what we used before) slips on them."""
    slips = []
    for song in real_bachata:
        envelope = librosa.onset.onset_strength(y=song.samples, sr=song.sr)
        _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=song.sr, start_bpm=125.0, units="time")
        slips.append(half_beat_slips(beats, song.beats))
    assert np.mean(slips) > 0.03, slips


def test_frame_rms_is_librosas_rms(real_bachata):
    samples = real_bachata[0].samples
    assert np.allclose(frame_rms(samples), librosa.feature.rms(y=samples, frame_length=2048, hop_length=HOP)[0])


CHROMA_BLOCK = slice(26, 50)  # the chroma means and spreads in the embedding


def _tuning_sampled_and_whole(samples: np.ndarray) -> tuple[float, float]:
    power = np.abs(librosa.stft(samples, n_fft=2048, hop_length=HOP)) ** 2
    whole = librosa.estimate_tuning(S=power, sr=SAMPLE_RATE, bins_per_octave=12)
    sampled = librosa.estimate_tuning(S=power[:, ::TUNING_STRIDE], sr=SAMPLE_RATE, bins_per_octave=12)
    return float(sampled), float(whole)


def test_a_tuning_from_every_fourth_frame_finds_the_same_moves(real_bachata, real_library_dir):
    """The embedding estimates the tuning from a quarter of the frames (a second less per render).

    Reference: the embedding with librosa's own estimate over every frame. On songs assembled from real clips
    (their pieces stretched to the song, so their tuning spreads) the two estimates may differ by a tenth of a
    semitone; the chroma barely moves and the move search returns the same clips in the same order.
    """
    index = MoveIndex(playable(load_library(real_library_dir)))
    for song in real_bachata:
        power = np.abs(librosa.stft(song.samples, n_fft=2048, hop_length=HOP)) ** 2
        chroma = librosa.feature.chroma_stft(S=power, sr=SAMPLE_RATE)
        ours = audio_features(song.samples, SAMPLE_RATE)
        reference = ours.copy()
        reference[CHROMA_BLOCK] = np.concatenate([chroma.mean(axis=1), chroma.std(axis=1)])
        assert _cosine(ours[CHROMA_BLOCK], reference[CHROMA_BLOCK]) >= 0.999
        duration = song.samples.size / SAMPLE_RATE
        for difficulty in ("beginner", "intermediate", "advanced"):
            found, expected = (
                index.candidates(with_tempo(vector, 129.0, duration), difficulty=difficulty, energy_level=None)[0]
                for vector in (ours, reference)
            )
            assert [clip.clip_id for clip, _ in found] == [clip.clip_id for clip, _ in expected]


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_sampled_tuning_follows_a_detuned_song(real_bachata):
    """Negative control: played 0.3 semitone sharp, the same song's sampled tuning moves by 0.3."""
    samples = real_bachata[0].samples
    sharp = librosa.resample(samples, orig_sr=SAMPLE_RATE * 2 ** (0.3 / 12), target_sr=SAMPLE_RATE)
    moved = _tuning_sampled_and_whole(sharp)[0] - _tuning_sampled_and_whole(samples)[0]
    assert abs((moved + 0.5) % 1.0 - 0.5 - 0.3) <= 0.05
