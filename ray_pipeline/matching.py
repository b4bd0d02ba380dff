"""Choose a move for every stretch of the song: fit to energy, tempo, the previous move, and variety."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ray_pipeline.analysis import COUNTS_PER_PHRASE
from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.errors import BadInput
from ray_pipeline.library import MoveClip

LEVELS = {"low": 0, "medium": 1, "high": 2}
MAX_SPEED_CHANGE = 0.2  # playing a clip more than 20 % faster or slower looks wrong
WEIGHTS = {"audio": 0.15, "energy": 0.35, "tempo": 0.2, "continuity": 0.15, "style": 0.1, "chance": 0.15}


@dataclass(frozen=True)
class Phrase:
    """One 8-count of the song."""

    index: int
    first_beat: int
    start: float
    end: float
    energy: float
    level: str


@dataclass(frozen=True)
class Candidate:
    """A clip the index offered, with its analysis and index score."""

    clip: MoveClip
    analysis: ClipAnalysis
    index_score: float


@dataclass(frozen=True)
class Move:
    """One chosen clip piece placed on the song's timeline."""

    clip: MoveClip
    analysis: ClipAnalysis
    first_phrase: int
    phrases: int
    song_start: float
    song_end: float
    clip_start: float  # may be negative: the first move shows the clip's first frame before it begins
    clip_end: float
    speed: float  # clip seconds per song second


class PoseVerifier(Protocol):
    """Checks clips by their video (YOLO pose); without weights none is used and stored embeddings decide."""

    def prepare(self, clips: list[MoveClip]) -> None: ...

    def accepts(self, clip: MoveClip) -> bool: ...

    def transition(self, previous: MoveClip, following: MoveClip) -> float | None: ...


def _cosine01(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.5
    return float((np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12) + 1.0) / 2.0)


def _score(
    candidate: Candidate,
    *,
    phrases: list[Phrase],
    song_tempo: float,
    previous: Move | None,
    uses: Counter,
    style: str | None,
    rng: np.random.Generator,
    verifier: PoseVerifier | None,
) -> float:
    energy = np.mean([LEVELS[p.level] for p in phrases])
    parts = {
        "audio": candidate.index_score / 0.35,
        "energy": 1.0 - abs(energy - LEVELS.get(candidate.clip.energy_level, 1)) / 2.0,
        "tempo": 1.0 - min(1.0, abs(song_tempo / candidate.analysis.tempo - 1.0) / MAX_SPEED_CHANGE),
        "continuity": 0.5,
        "style": 1.0 if style and candidate.clip.style == style else 0.0,
        "chance": float(rng.uniform()),
    }
    if previous is not None:
        transition = verifier.transition(previous.clip, candidate.clip) if verifier else None
        parts["continuity"] = (
            transition
            if transition is not None
            else _cosine01(previous.clip.pose_embedding, candidate.clip.pose_embedding)
        )
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    if previous is not None and previous.clip.move_label == candidate.clip.move_label:
        score -= 0.3  # spread move labels
    return score - 0.25 * uses[candidate.clip.clip_id]


def _usable(candidates: list[Candidate], song_tempo: float, verifier: PoseVerifier | None) -> list[Candidate]:
    return [
        c
        for c in candidates
        if c.analysis.tempo > 0
        and abs(song_tempo / c.analysis.tempo - 1.0) <= MAX_SPEED_CHANGE
        and c.analysis.piece(COUNTS_PER_PHRASE) is not None
        and (verifier is None or verifier.accepts(c.clip))
    ]


def plan_moves(
    *,
    phrases: list[Phrase],
    candidates: list[Candidate],
    song_tempo: float,
    duration: float,
    seed: int,
    style: str | None = None,
    verifier: PoseVerifier | None = None,
) -> list[Move]:
    """Cover every 8-count with moves of one or two 8-counts: an intro first, an outro last, deterministic per seed."""
    if not phrases:
        raise BadInput("The song is too short to dance a full 8-count to", cause="no complete 8-count found")
    usable = _usable(candidates, song_tempo, verifier)
    if not usable:
        raise BadInput(
            "No dance moves match this song's tempo and the chosen filters",
            cause=f"0 of {len(candidates)} candidates fit {song_tempo:.1f} BPM",
        )
    rng = np.random.default_rng(seed)
    by_label = {label: [c for c in usable if c.clip.move_label == label] for label in ("intros", "outro")}
    body = [c for c in usable if c.clip.move_label not in ("intros", "outro")] or usable
    moves: list[Move] = []
    uses: Counter = Counter()
    index = 0
    while index < len(phrases):
        remaining = len(phrases) - index
        pool = body
        if index == 0 and by_label["intros"]:
            pool = by_label["intros"]
        elif remaining <= 2 and by_label["outro"] and moves:
            pool = by_label["outro"]
        previous = moves[-1] if moves else None
        best: tuple[float, Candidate, int] | None = None
        for candidate in pool:
            if previous is not None and candidate.clip.clip_id == previous.clip.clip_id and len(usable) > 1:
                continue  # never the same clip twice in a row
            length = 2 if remaining >= 2 and candidate.analysis.piece(2 * COUNTS_PER_PHRASE) else 1
            if pool is by_label["outro"] and candidate.analysis.piece(remaining * COUNTS_PER_PHRASE):
                length = remaining
            score = _score(
                candidate,
                phrases=phrases[index : index + length],
                song_tempo=song_tempo,
                previous=previous,
                uses=uses,
                style=style,
                rng=rng,
                verifier=verifier,
            )
            if best is None or score > best[0]:
                best = (score, candidate, length)
        if best is None:  # only the previous clip was left in this pool
            pool = [c for c in body if c.clip.clip_id != previous.clip.clip_id] or body
            best = (0.0, pool[0], 1)
        _, chosen, length = best
        moves.append(
            _place(
                chosen,
                phrases[index : index + length],
                is_first=index == 0,
                is_last=index + length == len(phrases),
                duration=duration,
                song_tempo=song_tempo,
            )
        )
        uses[chosen.clip.clip_id] += 1
        index += length
    return moves


def _place(
    candidate: Candidate, phrases: list[Phrase], *, is_first: bool, is_last: bool, duration: float, song_tempo: float
) -> Move:
    """Fit the clip's counts onto the song's: its "1" lands on the phrase's "1", played at the song's tempo."""
    piece = candidate.analysis.piece(len(phrases) * COUNTS_PER_PHRASE)
    assert piece is not None
    phrase_start, phrase_end = phrases[0].start, phrases[-1].end
    speed = song_tempo / candidate.analysis.tempo
    song_start = 0.0 if is_first else phrase_start
    song_end = duration if is_last else phrase_end
    return Move(
        clip=candidate.clip,
        analysis=candidate.analysis,
        first_phrase=phrases[0].index,
        phrases=len(phrases),
        song_start=song_start,
        song_end=song_end,
        clip_start=piece[0] - (phrase_start - song_start) * speed,
        clip_end=piece[0] + (song_end - phrase_start) * speed,
        speed=speed,
    )
