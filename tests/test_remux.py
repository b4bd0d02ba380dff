"""Cutting a move from a prepared clip by copying packets: where its frames land on the song's timeline."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ray_pipeline.analysis import audio_embedding
from ray_pipeline.errors import BadInput
from ray_pipeline.listening import BAD_INPUT_EXIT, PARTS, Listening, hear
from ray_pipeline.remux import TIMEBASE, Piece, cut, keyframe_times
from ray_pipeline.synthetic import make_song


def _seconds(packets) -> np.ndarray:
    return np.array([pts for pts, _, _ in packets]) * float(TIMEBASE)


def test_a_move_lands_its_first_count_on_the_songs_beat_and_stretches_evenly(prepared):
    analysis, path = prepared
    one, later = analysis.first_one, analysis.first_one + 8
    clip_span = (analysis.beat_time(one), analysis.beat_time(later))
    song_span = (10.0, 10.0 + (clip_span[1] - clip_span[0]) / 1.1)  # played 10 % faster
    packets = cut(Piece(str(path), clip_span, song_span, shown=song_span))
    times = _seconds(packets)
    assert packets[0][1] and times[0] == pytest.approx(10.0, abs=1e-4), "the move opens on a keyframe, on the beat"
    assert np.all(np.diff(times) > 0) and times[-1] < song_span[1]
    assert np.median(np.diff(times)) == pytest.approx((1 / 30) / 1.1, rel=0.01)
    keyframes = [t for (_, key, _), t in zip(packets, times, strict=True) if key]
    song_beats = song_span[0] + (np.array(analysis.beats[one:later]) - clip_span[0]) / 1.1
    for beat in song_beats:  # every one of the clip's counts is a clean cut point on the song's beat
        assert np.min(np.abs(np.array(keyframes) - beat)) <= (1 / 30) / 1.1


def test_the_first_move_opens_the_song_on_a_still(prepared):
    analysis, path = prepared
    one = analysis.first_one
    clip_span = (analysis.beat_time(one), analysis.beat_time(one + 8))
    song_span = (3.0, 3.0 + clip_span[1] - clip_span[0])  # the song's first "1" comes 3 s in: a long lead-in
    packets = cut(Piece(str(path), clip_span, song_span, shown=(0.0, song_span[1])))
    times = _seconds(packets)
    assert times[0] == 0.0 and packets[0][1], "the video starts at 0 on a keyframe, held until the clip moves"
    first_moving = times[1]
    assert first_moving > 0.5  # the clip had less than 3 s before its "1": the opening frame waits as a still
    assert np.min(np.abs(times - 3.0)) < 1e-4


def test_keyframes_of_a_prepared_clip_are_read_without_decoding(prepared):
    analysis, path = prepared
    keys = keyframe_times(path)
    assert keys[0] == 0.0 and len(keys) >= len(analysis.beats)


def test_listening_refuses_a_song_too_short_to_dance_to_and_cleans_up(tmp_path):
    song = make_song(tmp_path / "short.wav", bpm=120, duration=12, seed=1)
    audio = tmp_path / ".short.audio.m4a"
    with Listening(song.path, audio) as listening, pytest.raises(BadInput, match="too short"):
        listening.heard()
    assert not audio.exists()


@pytest.mark.parametrize("part", sorted(PARTS))
def test_each_hearing_process_reports_a_bad_song_with_its_reason(tmp_path, part):
    """The song is heard by processes of its own (so Ray can fork safely meanwhile); their verdict comes back."""
    song = make_song(tmp_path / "short.wav", bpm=120, duration=12, seed=1)
    out = tmp_path / "heard.npz"
    child = subprocess.run(
        [sys.executable, "-m", "ray_pipeline.listening", part, str(song.path), str(out)],
        capture_output=True,
        text=True,
    )
    assert child.returncode == BAD_INPUT_EXIT and not out.exists()
    assert json.loads(child.stderr.strip().splitlines()[-1])["message"].startswith("The song is too short")


def test_the_hearing_processes_give_the_same_beats_and_embedding_as_hearing_here(tmp_path):
    song = make_song(tmp_path / "groove.wav", bpm=127, duration=40, seed=4)
    with Listening(song.path, tmp_path / ".groove.audio.m4a") as listening:
        there = listening.heard()
        here = hear(listening.samples())
    assert np.array_equal(there.grid.beats, here.grid.beats) and np.array_equal(there.grid.counts, here.grid.counts)
    assert there.grid.tempo == here.grid.tempo and there.energy_curve == here.energy_curve
    expected = audio_embedding(listening.samples(), here.sr, here.grid.tempo)
    assert np.allclose(listening.embedding(), expected, atol=1e-6)
