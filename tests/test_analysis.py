"""Beat grid, tempo, the "1" and the embedding on generated songs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from ray_pipeline.analysis import COUNTS_PER_PHRASE, audio_embedding, sections, tempo_of, track_beats
from ray_pipeline.metrics import beat_f_measure
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
    for start in grid.phrase_starts:
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
