"""Quality measures of a render (PIPELINE.md's table) and of beat tracking against ground truth."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ray_pipeline.beats import BeatGrid
from ray_pipeline.looks import jump
from ray_pipeline.matching import LEVELS, Move, Phrase


def beat_f_measure(detected: np.ndarray, truth: np.ndarray, *, window: float = 0.07) -> float:
    """F-measure of detected beats against true ones, each matched at most once within ±``window`` s."""
    if len(detected) == 0 or len(truth) == 0:
        return 0.0
    unmatched = list(truth)
    hits = 0
    for beat in detected:
        distances = np.abs(np.asarray(unmatched) - beat) if unmatched else np.array([np.inf])
        nearest = int(np.argmin(distances))
        if distances[nearest] <= window:
            hits += 1
            unmatched.pop(nearest)
    precision, recall = hits / len(detected), hits / len(truth)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def quality(grid: BeatGrid, moves: list[Move], phrases: list[Phrase]) -> dict:
    """The quality rows of PIPELINE.md, measured on this render, and figures that can disagree with its grid.

    Cut-on-beat and phrase alignment check the cuts against our own grid; the dancers' figures come from
    each clip's footage, the bass figure from the song's low end, and the cut jumps from the clips' pictures.
    """
    beats = np.asarray(grid.beats)
    cuts = [m.song_start for m in moves[1:]]
    on_beat = [float(np.min(np.abs(beats - cut))) <= 0.040 for cut in cuts]
    ones = set(grid.ones.tolist())
    starts_on_one = [phrases[m.first_phrase].first_beat in ones for m in moves]
    tempo_fit = [abs(m.analysis.tempo * m.speed / _song_tempo(m, phrases) - 1.0) for m in moves]
    repeats = sum(a.clip.clip_id == b.clip.clip_id for a, b in pairwise(moves))
    phrase_energy = [np.mean([p.energy for p in phrases[m.first_phrase : m.first_phrase + m.phrases]]) for m in moves]
    move_energy = [LEVELS.get(m.clip.energy_level, 1) for m in moves]
    correlation = None
    if len(set(move_energy)) > 1 and len(set(phrase_energy)) > 1:
        correlation = round(spearman(phrase_energy, move_energy), 3)
    return {
        "cut_on_beat": round(float(np.mean(on_beat)) if on_beat else 1.0, 4),
        "phrase_alignment": round(float(np.mean(starts_on_one)), 4),
        "tempo_fit_max": round(max(tempo_fit), 4),
        "variety": round(len({m.clip.clip_id for m in moves}) / len(moves), 3),
        "repeats_in_a_row": repeats,
        "energy_fit": correlation,
        "dancers_on_beat": round(float(np.mean([m.analysis.dancers_agree for m in moves])), 3),
        "loose_timing_moves": [index for index, m in enumerate(moves) if m.analysis.timing == "loose"],
        "song_bass_on_beat": grid.bass_on_beat,
        "one_confidence": grid.one_confidence,
        "median_cut_jump": median_cut_jump(moves),
    }


def _song_tempo(move: Move, phrases: list[Phrase]) -> float:
    """The song's tempo over the move's own counts: a live band drifts, and each move follows it there."""
    covered = phrases[move.first_phrase : move.first_phrase + move.phrases]
    return 60.0 * sum(p.beats for p in covered) / (covered[-1].end - covered[0].start)


def _ranks(values: list[float]) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(1, values.size + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (Pearson's on the ranks; scipy.stats costs half a second to import)."""
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def median_cut_jump(moves: list[Move]) -> float | None:
    """Median jump of the couple's look across the cuts (0 seamless, towards 1 jarring), where looks are known."""
    jumps = []
    for previous, following in pairwise(moves):
        before, after = previous.look_at(previous.clip_last_beat), following.look_at(following.clip_first_beat)
        if before is not None and after is not None:
            jumps.append(jump(before, after))
    return round(float(np.median(jumps)), 3) if jumps else None
