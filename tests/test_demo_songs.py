"""The demo songs a newcomer gets: bachata at three named tempos, whose beats and "1"s the product finds."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import soundfile

from bachata_common.settings import Settings
from bachata_common.storage import LocalStorage, song_meta_key
from ray_pipeline.beats import track_beats
from ray_pipeline.demo import DEMO_TEMPOS, demo_song_key, ensure_demo_content
from ray_pipeline.metrics import beat_f_measure
from ray_pipeline.synthetic import SAMPLE_RATE, song_samples


def strongest_pitch_classes(samples: np.ndarray, count: int = 3) -> set[int]:
    """The loudest pitch classes (0 = A) between 35 Hz (the bass's low E) and 2 kHz."""
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / SAMPLE_RATE)
    keep = (freqs >= 35) & (freqs < 2000)
    classes = np.round(12 * np.log2(freqs[keep] / 440.0)).astype(int) % 12
    energy = np.bincount(classes, weights=spectrum[keep], minlength=12)
    return set(np.argsort(energy)[-count:].tolist())


def test_a_fresh_install_gets_three_bachata_songs_named_by_tempo(tmp_path):
    settings = Settings(environment="development", var_dir=tmp_path / "var", library_dir=tmp_path / "library")
    (settings.library_dir).mkdir(parents=True)
    (settings.library_dir / "move_embeddings.json").write_text("{}")  # a library is there: only songs are made
    ensure_demo_content(settings)
    storage = LocalStorage(settings.media_root)
    assert sorted(storage.list("songs/")) == sorted(demo_song_key(bpm) for bpm in DEMO_TEMPOS)
    for bpm in DEMO_TEMPOS:
        key = demo_song_key(bpm)
        assert storage.read_json(song_meta_key(key)) == {
            "title": f"Demo bachata {bpm} BPM",
            "duration": 75,
            "tempo": bpm,
        }
        samples, rate = soundfile.read(storage.path(key), dtype="float32")
        grid = track_beats(samples, rate)
        truth, beats, ones, _ = song_samples(bpm=bpm, duration=75, seed=bpm, band=True)
        assert np.allclose(samples, truth, atol=1e-3), "the file is the arrangement whose truth we know"
        assert abs(grid.tempo - bpm) <= 1.0 and beat_f_measure(grid.beats, beats) >= 0.95
        assert all(np.min(np.abs(ones - grid.beats[start])) <= 0.07 for start in grid.ones), f"{bpm} BPM: a '1' slips"


def test_the_demo_songs_play_bachatas_chord_round():
    """Guitar and bass play Am, G, F, E, one chord per 8-count (the plain test groove does not)."""
    roots = [0, 10, 8, 7]  # A, G, F, E as pitch classes counted from A

    def rounds_followed(band: bool) -> float:
        samples, _, ones, _ = song_samples(bpm=128, duration=60, seed=128, band=band)
        spans = [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in pairwise(ones)]
        return np.mean([roots[i % 4] in strongest_pitch_classes(samples[a:b]) for i, (a, b) in enumerate(spans)])

    assert rounds_followed(band=True) >= 0.9
    assert rounds_followed(band=False) <= 0.6  # the negative control: the groove's own pad is another round
