"""Sequencing moves: coverage, the "1"s, tempo limits, variety, intro/outro, determinism."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.errors import BadInput
from ray_pipeline.library import MoveClip
from ray_pipeline.looks import Look
from ray_pipeline.matching import Candidate, Phrase, plan_moves

SONG_TEMPO = 128.0
PERIOD = 60 / SONG_TEMPO


def phrases(count: int, first_one: float = 1.0) -> list[Phrase]:
    levels = ["low", "medium", "high", "medium"]
    return [
        Phrase(
            index=i,
            first_beat=8 * i,
            start=first_one + 8 * i * PERIOD,
            end=first_one + 8 * (i + 1) * PERIOD,
            energy=float(i % 4) / 3,
            level=levels[i % 4],
        )
        for i in range(count)
    ]


def candidate(
    clip_id: str,
    *,
    label: str = "basic",
    tempo: float = 126.0,
    beats: int = 20,
    energy: str = "medium",
    seed: int = 0,
    timing: str = "locked",
    looks: tuple[Look, ...] = (),
) -> Candidate:
    rng = np.random.default_rng(seed)
    clip = MoveClip(
        clip_id=clip_id,
        move_label=label,
        path=Path(f"/clips/{clip_id}.mp4"),
        difficulty="beginner",
        energy_level=energy,
        estimated_tempo=tempo,
        audio_embedding=rng.standard_normal(128),
        pose_embedding=rng.standard_normal(512),
    )
    analysis = ClipAnalysis(
        duration=beats * 60 / tempo + 1,
        fps=30,
        width=640,
        height=360,
        tempo=tempo,
        beats=tuple(0.5 + i * 60 / tempo for i in range(beats)),
        first_one=1,
        step_lock=0.8 if timing == "locked" else 0.1,
        timing=timing,
        looks=looks,
    )
    return Candidate(clip=clip, analysis=analysis, index_score=0.3)


POOL = [
    candidate("intro", label="intros", seed=1),
    candidate("outro", label="outro", seed=2),
    *[
        candidate(f"move{i}", label=f"label{i % 4}", energy=["low", "medium", "high"][i % 3], seed=10 + i)
        for i in range(8)
    ],
]


def test_moves_cover_the_song_on_its_ones():
    song = phrases(12)
    moves = plan_moves(phrases=song, candidates=POOL, song_tempo=SONG_TEMPO, duration=song[-1].end + 2.0, seed=3)
    assert moves[0].song_start == 0.0 and moves[-1].song_end == song[-1].end + 2.0
    for before, after in pairwise(moves):
        assert before.song_end == after.song_start == song[after.first_phrase].start
    assert sum(m.phrases for m in moves) == 12
    assert moves[0].clip.move_label == "intros" and moves[-1].clip.move_label == "outro"


def test_no_clip_twice_in_a_row_and_labels_spread():
    moves = plan_moves(phrases=phrases(30), candidates=POOL, song_tempo=SONG_TEMPO, duration=200, seed=1)
    assert all(a.clip.clip_id != b.clip.clip_id for a, b in pairwise(moves))
    assert len({m.clip.clip_id for m in moves}) >= 8


def test_speed_makes_the_clip_tempo_the_songs():
    moves = plan_moves(phrases=phrases(6), candidates=POOL, song_tempo=SONG_TEMPO, duration=30, seed=0)
    for move in moves:
        assert abs(move.analysis.tempo * move.speed / SONG_TEMPO - 1) < 0.005


def test_same_seed_same_choreography_other_seed_differs():
    def ids(seed):
        return [
            m.clip.clip_id
            for m in plan_moves(phrases=phrases(20), candidates=POOL, song_tempo=SONG_TEMPO, duration=150, seed=seed)
        ]

    assert ids(5) == ids(5)
    assert any(ids(5) != ids(seed) for seed in range(6, 12))


def test_clips_too_far_from_the_song_tempo_are_not_used():
    slow = [candidate(f"slow{i}", tempo=95.0, seed=i) for i in range(3)]
    moves = plan_moves(
        phrases=phrases(6),
        candidates=[*slow, candidate("ok", seed=9), candidate("ok2", seed=8)],
        song_tempo=SONG_TEMPO,
        duration=30,
        seed=0,
    )
    assert {m.clip.clip_id for m in moves} <= {"ok", "ok2"}
    with pytest.raises(BadInput, match="No dance moves match"):
        plan_moves(phrases=phrases(6), candidates=slow, song_tempo=SONG_TEMPO, duration=30, seed=0)


def test_a_song_without_an_eight_count_is_bad_input():
    with pytest.raises(BadInput, match="too short"):
        plan_moves(phrases=[], candidates=POOL, song_tempo=SONG_TEMPO, duration=3, seed=0)


def test_pose_verifier_seam_can_veto_clips():
    class RejectOdd:
        def accepts(self, clip):
            return not clip.clip_id.endswith(("1", "3", "5", "7"))

        def transition(self, previous, following):
            return None

    moves = plan_moves(
        phrases=phrases(16), candidates=POOL, song_tempo=SONG_TEMPO, duration=120, seed=2, verifier=RejectOdd()
    )
    assert not any(m.clip.clip_id.endswith(("1", "3", "5", "7")) for m in moves)


def test_each_move_maps_its_counts_onto_exactly_the_songs_counts():
    """A drifting song: every move's clip beats land on the song beats it covers, whatever the local tempo."""
    song_beats = np.cumsum(np.r_[1.0, PERIOD * (1 + 0.015 * np.sin(np.arange(96) / 9))])  # a live band drifting
    song = [
        Phrase(
            index=i, first_beat=8 * i, start=song_beats[8 * i], end=song_beats[8 * i + 8], energy=0.5, level="medium"
        )
        for i in range(12)
    ]
    moves = plan_moves(phrases=song, candidates=POOL, song_tempo=SONG_TEMPO, duration=song_beats[-1] + 1, seed=3)
    for move in moves:
        phrase = song[move.first_phrase]
        for k in range(move.counts + 1):
            clip_time = move.clip_start + (song_beats[phrase.first_beat + k] - move.song_start) * move.speed
            # Exact at both ends of the span (nothing accumulates), within the drift inside it.
            tolerance = 1e-9 if k in (0, move.counts) else 0.1 * PERIOD
            assert clip_time == pytest.approx(move.analysis.beat_time(move.clip_first_beat + k), abs=tolerance)


def test_moves_start_on_the_clips_one_and_cover_phrases_of_any_length():
    song = phrases(3)
    song[1] = Phrase(index=1, first_beat=8, start=song[1].start, end=song[1].start + 12 * PERIOD, energy=0, level="low",
                     beats=12)  # fmt: skip
    moves = plan_moves(phrases=song, candidates=POOL, song_tempo=SONG_TEMPO, duration=song[-1].end + 1, seed=1)
    assert sum(m.counts for m in moves) == 8 + 12 + 8
    assert all(m.clip_first_beat in m.analysis.ones() for m in moves)


def test_clips_whose_dancers_keep_no_beat_only_open_or_close():
    loose = [candidate(f"loose{i}", label="style", timing="loose", seed=40 + i) for i in range(6)]
    pool = [*loose, *[candidate(f"timed{i}", label=f"label{i}", seed=50 + i) for i in range(3)]]
    for seed in range(5):
        moves = plan_moves(phrases=phrases(14), candidates=pool, song_tempo=SONG_TEMPO, duration=120, seed=seed)
        assert all(m.analysis.timing == "locked" for m in moves[1:-1])


def _look(hue: int) -> Look:
    colours = [0.0] * 32
    colours[hue] = 1.0
    return Look(centre=(0.5, 0.5), size=(0.5, 0.8), outfits=tuple(colours), room=tuple(colours), outline=(1.0,) * 48)


def test_cuts_prefer_a_couple_that_looks_like_the_last_one():
    """Two sessions (outfits, room): with flow the choreography keeps to one far more often than without."""
    pool = [
        candidate(f"{session}{i}", label=f"label{i}", seed=60 + 10 * hue + i, looks=(_look(hue),) * 3)
        for hue, session in ((3, "red"), (20, "blue"))
        for i in range(4)
    ]

    def session_changes(flow: bool) -> int:
        total = 0
        for seed in range(8):
            moves = plan_moves(phrases=phrases(16), candidates=pool, song_tempo=SONG_TEMPO, duration=130, seed=seed,
                               flow=flow)  # fmt: skip
            total += sum(a.clip.clip_id[:3] != b.clip.clip_id[:3] for a, b in pairwise(moves))
        return total

    assert session_changes(flow=True) < 0.5 * session_changes(flow=False)


def test_energy_fit_is_spearmans_rank_correlation_with_ties():
    from ray_pipeline.metrics import spearman

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # Ties share their average rank: ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4) give 0.9487 (by hand).
    assert spearman([5, 5, 7, 9], [1, 2, 3, 4]) == pytest.approx(0.9487, abs=1e-4)
