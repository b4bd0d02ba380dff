"""The dancers' steps from the picture: phase locking, the weight-transfer signal, grid verification, looks."""

from __future__ import annotations

import numpy as np
import pytest

from ray_pipeline.clip_analysis import STEP_PHASE, analyse_clip, verify_grid
from ray_pipeline.looks import jump, looks_at
from ray_pipeline.phase import Signal, phase_lock, wrap
from ray_pipeline.steps import read_frames, weight_transfer
from ray_pipeline.synthetic import make_clip
from ray_pipeline.synthetic_couple import Couple

RATE = 30.0
BPM = 128.0
PERIOD = 60 / BPM


def pulses(at: np.ndarray, seconds: float, rate: float = RATE, width: float = 0.04) -> Signal:
    """A signal with a narrow bump at each of ``at`` (seconds)."""
    times = np.arange(0, seconds, 1 / rate)
    values = np.exp(-0.5 * ((times[:, None] - at[None, :]) / width) ** 2).sum(axis=1)
    return Signal(values, rate)


def test_phase_lock_finds_where_in_the_beat_a_signal_peaks():
    beats = np.arange(0.5, 20, PERIOD)
    for phase in (0.0, 0.3, 0.75):
        lock = phase_lock(pulses(beats + phase * PERIOD, 21), beats)
        assert lock.strength > 0.9
        assert abs(wrap(lock.phase - phase)) < 0.03
    noise = Signal(np.random.default_rng(1).standard_normal(600), RATE)
    assert phase_lock(noise, beats).strength < 0.2


def test_a_grid_half_a_beat_off_reads_half_a_beat_off():
    beats = np.arange(0.5, 20, PERIOD)
    signal = pulses(beats + 0.1 * PERIOD, 21)
    right, shifted = phase_lock(signal, beats), phase_lock(signal, beats + PERIOD / 2)
    assert abs(wrap(shifted.phase - right.phase) - 0.5) < 0.03 or abs(wrap(shifted.phase - right.phase) + 0.5) < 0.03


@pytest.fixture(scope="module")
def couple_clips(tmp_path_factory):
    """The same drawn couple stepping on the beat of its music, and half a beat after it."""
    folder = tmp_path_factory.mktemp("couples")
    clips = {}
    for name, offset in (("on_beat", 0.0), ("off_beat", 0.5)):
        path = folder / f"{name}.mp4"
        make_clip(path, bpm=BPM, duration=9.0, label=name, seed=3, step_offset=offset, couple=Couple.from_seed(5))
        clips[name] = path
    return clips


def test_weight_transfer_of_a_drawn_couple_locks_to_its_steps(couple_clips):
    truth = np.arange(0.25, 9.0, PERIOD)  # the groove's beats (make_clip starts them at 0.25 s)
    frames = read_frames(couple_clips["on_beat"])
    assert frames.grey.shape[2] == 160 and len(frames.times) == 270
    on = phase_lock(weight_transfer(frames), truth)
    off = phase_lock(weight_transfer(read_frames(couple_clips["off_beat"])), truth)
    assert on.strength > 0.8 and off.strength > 0.8
    assert abs(wrap(on.phase - STEP_PHASE)) < 0.15, "a couple on the beat should read like the real library's"
    assert abs(abs(wrap(off.phase - on.phase)) - 0.5) < 0.1


def test_clip_analysis_verifies_the_grid_with_the_dancers(couple_clips):
    on, off = analyse_clip(couple_clips["on_beat"]), analyse_clip(couple_clips["off_beat"])
    assert on.timing == "locked" and on.dancers_agree and on.correction == "none"
    assert abs(on.tempo - BPM) < 1.0 and on.beats[on.first_one] == pytest.approx(0.25, abs=0.06)
    # Its music's bass is clearly on the beat, so the grid stays, but the dancers are flagged as off it.
    assert off.timing == "locked" and not off.dancers_agree


def test_verification_moves_a_grid_the_bass_and_dancers_both_put_on_the_off_beat():
    true_beats = np.arange(0.5, 12, PERIOD)
    wrong_grid = true_beats[:-1] + PERIOD / 2  # a tracker locked on the off-beat
    bass = pulses(true_beats - 0.03 * PERIOD, 13, rate=86.0)  # the bass sits just before the true beats
    steps = pulses(true_beats + (STEP_PHASE - 1) * PERIOD, 13)  # the dancers where a couple on the beat is
    beats, correction, lock = verify_grid(wrong_grid, bass=bass, steps=steps)
    assert correction == "half-beat"
    assert np.max(np.abs(beats - true_beats[1 : 1 + beats.size])) < 0.02
    assert abs(wrap(lock.phase - STEP_PHASE)) < 0.1
    kept, correction, _ = verify_grid(true_beats, bass=bass, steps=steps)
    assert correction == "none" and np.array_equal(kept, true_beats)


def test_dancers_who_step_at_half_the_tempo_halve_it():
    slow = 60 / 85  # a slow bachata the tracker reads at 170 BPM, inside its range
    grid = np.arange(0.5, 12, slow / 2)
    steps = pulses(np.arange(0.5, 12, slow) + (STEP_PHASE - 1) * slow, 13)
    silent_bass = Signal(np.zeros(13 * 86), 86.0)
    beats, correction, lock = verify_grid(grid, bass=silent_bass, steps=steps)
    assert correction.startswith("half-tempo")
    assert np.median(np.diff(beats)) == pytest.approx(slow, abs=0.01) and lock.strength > 0.8


def test_looks_tell_one_session_from_another(tmp_path):
    same_a, same_b, other = tmp_path / "a.mp4", tmp_path / "b.mp4", tmp_path / "c.mp4"
    make_clip(same_a, bpm=120, duration=6.0, label="a", seed=1, couple=Couple.from_seed(11))
    make_clip(same_b, bpm=126, duration=6.0, label="b", seed=2, couple=Couple.from_seed(11))
    make_clip(other, bpm=124, duration=6.0, label="c", seed=3, couple=Couple.from_seed(12))
    (look_a,), (look_b,), (look_c,) = (looks_at(read_frames(path), [2.0]) for path in (same_a, same_b, other))
    assert 0.3 < look_a.size[1] <= 1.0, "the couple fills most of the picture's height"
    assert jump(look_a, look_b) < jump(look_a, look_c)
    assert jump(look_a, look_a) == pytest.approx(0.0, abs=1e-3)  # histograms are stored rounded
