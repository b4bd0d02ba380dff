"""Choose a move for every stretch of the song: fit to energy, tempo, the previous move, and variety.

Each move maps its clip's counts onto exactly the song's: a span from one of the clip's "1"s to a later beat
plays over the song's span from a "1" to the beat as many counts later, so its speed comes from those two
spans alone and local tempo drift never accumulates. Cuts prefer moves whose couple looks like the previous
one's at the cut (outfits, room, place, hold), and clips whose dancers follow no grid only open or close.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ray_pipeline.beats import COUNTS_PER_PHRASE
from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.errors import BadInput
from ray_pipeline.library import MoveClip
from ray_pipeline.looks import Look, jump

LEVELS = {"low": 0, "medium": 1, "high": 2}
MAX_SPEED_CHANGE = 0.2  # playing a clip more than 20 % faster or slower looks wrong
# Chosen on 4 songs (2 generated, 2 real bachata) x 3 difficulties x 3 seeds against the weights before looks
# and timing counted: energy fit 0.56 -> 0.62, variety 0.93 -> 0.91, median look jump at cuts 0.43 -> 0.36,
# moves whose dancers keep to their beat 70 % -> 82 %.
WEIGHTS = {
    "audio": 0.15,
    "energy": 0.7,
    "tempo": 0.2,
    "continuity": 0.1,
    "flow": 0.6,
    "timing": 0.2,
    "style": 0.1,
    "chance": 0.05,
}
TIMING_SCORES = {"agree": 1.0, "locked": 0.6, "loose": 0.0}  # dancers on the beat / locked elsewhere / none
FRAMING = ("intros", "outro")


@dataclass(frozen=True)
class Phrase:
    """One 8-count of the song: beats ``first_beat`` up to ``first_beat + beats``, from ``start`` to ``end``."""

    index: int
    first_beat: int
    start: float
    end: float
    energy: float
    level: str
    beats: int = COUNTS_PER_PHRASE


@dataclass(frozen=True)
class Candidate:
    """A clip the index offered, with its analysis and index score."""

    clip: MoveClip
    analysis: ClipAnalysis
    index_score: float

    @property
    def timing(self) -> str:
        """agree | locked | loose: how well the dancers keep to this clip's (verified) beat."""
        if self.analysis.timing == "loose":
            return "loose"
        return "agree" if self.analysis.dancers_agree else "locked"


@dataclass(frozen=True)
class Move:
    """One chosen clip piece placed on the song's timeline."""

    clip: MoveClip
    analysis: ClipAnalysis
    first_phrase: int
    phrases: int
    counts: int  # beats the move dances on the song's grid (and on its clip's)
    clip_first_beat: int  # the clip's "1" it starts from
    song_start: float  # on screen from here (0 for the first move, which opens on a lead-in) ...
    song_end: float  # ... to here (the song's end for the last)
    song_span: tuple[float, float]  # the song's "1" the move starts on, and the beat its counts end on
    clip_span: tuple[float, float]  # the clip's beats that land on them

    @property
    def speed(self) -> float:
        """Clip seconds per song second, from the two spans alone."""
        return (self.clip_span[1] - self.clip_span[0]) / (self.song_span[1] - self.song_span[0])

    @property
    def clip_start(self) -> float:
        """Clip time shown at ``song_start`` (before the clip's start for a long lead-in)."""
        return self.clip_span[0] - (self.song_span[0] - self.song_start) * self.speed

    @property
    def clip_end(self) -> float:
        return self.clip_span[0] + (self.song_end - self.song_span[0]) * self.speed

    @property
    def clip_last_beat(self) -> int:
        return self.clip_first_beat + self.counts

    def look_at(self, beat: int) -> Look | None:
        """The couple's look at the clip's "1" nearest before ``beat``."""
        looks = self.analysis.looks
        if not looks:
            return None
        position = (beat - self.analysis.first_one) // COUNTS_PER_PHRASE
        return looks[max(0, min(len(looks) - 1, position))]


class PoseVerifier(Protocol):
    """Checks clips by their video (YOLO pose); without weights none is used and stored embeddings decide."""

    def prepare(self, clips: list[MoveClip]) -> None: ...

    def accepts(self, clip: MoveClip) -> bool: ...

    def transition(self, previous: MoveClip, following: MoveClip) -> float | None: ...


def _cosine01(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.5
    return float((np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12) + 1.0) / 2.0)


def cut_jump(previous: Move, candidate: Candidate, counts: int) -> float | None:
    """How much the picture jumps cutting from ``previous`` into ``candidate`` (None when either look is unknown)."""
    span = candidate.analysis.span(counts)
    before = previous.look_at(previous.clip_last_beat)
    if span is None or before is None or not candidate.analysis.looks:
        return None
    after = candidate.analysis.looks[max(0, (span[0] - candidate.analysis.first_one) // COUNTS_PER_PHRASE)]
    return jump(before, after)


@dataclass(frozen=True)
class _Context:
    song_tempo: float
    style: str | None
    verifier: PoseVerifier | None
    flow: bool


def _score(
    candidate: Candidate,
    *,
    phrases: list[Phrase],
    previous: Move | None,
    uses: Counter,
    rng: np.random.Generator,
    context: _Context,
) -> float:
    counts = sum(p.beats for p in phrases)
    energy = np.mean([LEVELS[p.level] for p in phrases])
    parts = {
        "audio": candidate.index_score / 0.35,
        "energy": 1.0 - abs(energy - LEVELS.get(candidate.clip.energy_level, 1)) / 2.0,
        "tempo": 1.0 - min(1.0, abs(context.song_tempo / candidate.analysis.tempo - 1.0) / MAX_SPEED_CHANGE),
        "continuity": 0.5,
        "flow": 0.5,
        "timing": TIMING_SCORES[candidate.timing],
        "style": 1.0 if context.style and candidate.clip.style == context.style else 0.0,
        "chance": float(rng.uniform()),
    }
    if previous is not None:
        verifier = context.verifier
        transition = verifier.transition(previous.clip, candidate.clip) if verifier else None
        parts["continuity"] = (
            transition
            if transition is not None
            else _cosine01(previous.clip.pose_embedding, candidate.clip.pose_embedding)
        )
        jumped = cut_jump(previous, candidate, counts) if context.flow else None
        parts["flow"] = 0.5 if jumped is None else 1.0 - jumped
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
        and c.analysis.span(COUNTS_PER_PHRASE) is not None
        and (verifier is None or verifier.accepts(c.clip))
    ]


def _pools(usable: list[Candidate]) -> dict[str, list[Candidate]]:
    """Intros, outros and the body; the body keeps to clips whose dancers follow their beat when it can."""
    body = [c for c in usable if c.clip.move_label not in FRAMING] or usable
    timed = [c for c in body if c.timing != "loose"]
    return {
        "intros": [c for c in usable if c.clip.move_label == "intros"],
        "outro": [c for c in usable if c.clip.move_label == "outro"],
        "body": timed if len({c.clip.clip_id for c in timed}) >= 2 else body,
        "ends": body,  # where exact timing matters least: the first and the last move
    }


def plan_moves(
    *,
    phrases: list[Phrase],
    candidates: list[Candidate],
    song_tempo: float,
    duration: float,
    seed: int,
    style: str | None = None,
    verifier: PoseVerifier | None = None,
    flow: bool = True,
) -> list[Move]:
    """Cover every 8-count with moves of one or two 8-counts: an intro first, an outro last, deterministic per seed.

    ``flow`` weighs how the couple looks across each cut; off, the choice ignores it (for comparison).
    """
    if not phrases:
        raise BadInput("The song is too short to dance a full 8-count to", cause="no complete 8-count found")
    usable = _usable(candidates, song_tempo, verifier)
    if not usable:
        raise BadInput(
            "No dance moves match this song's tempo and the chosen filters",
            cause=f"0 of {len(candidates)} candidates fit {song_tempo:.1f} BPM",
        )
    rng = np.random.default_rng(seed)
    pools = _pools(usable)
    context = _Context(song_tempo=song_tempo, style=style, verifier=verifier, flow=flow)
    moves: list[Move] = []
    uses: Counter = Counter()
    index = 0
    while index < len(phrases):
        remaining = len(phrases) - index
        is_last_stretch = remaining <= 2 and bool(moves)
        pool = pools["body"]
        if index == 0:
            pool = pools["intros"] or pools["ends"]
        elif is_last_stretch:
            pool = pools["outro"] or pools["ends"]
        previous = moves[-1] if moves else None
        best: tuple[float, Candidate, int] | None = None
        for candidate in pool:
            if previous is not None and candidate.clip.clip_id == previous.clip.clip_id and len(usable) > 1:
                continue  # never the same clip twice in a row
            length = _length(candidate, phrases[index:], closing=is_last_stretch and pool is pools["outro"])
            if not length:
                continue
            score = _score(
                candidate,
                phrases=phrases[index : index + length],
                previous=previous,
                uses=uses,
                rng=rng,
                context=context,
            )
            if best is None or score > best[0]:
                best = (score, candidate, length)
        if best is None:  # only the previous clip was left in this pool, or none fits this phrase's counts
            others = [c for c in usable if previous is None or c.clip.clip_id != previous.clip.clip_id] or usable
            best = (0.0, max(others, key=lambda c: len(c.analysis.beats)), 1)
        _, chosen, length = best
        stretch = phrases[index : index + length]
        is_last = index + length == len(phrases)
        moves.append(_place(chosen, stretch, is_first=index == 0, is_last=is_last, duration=duration))
        uses[chosen.clip.clip_id] += 1
        index += length
    return moves


def _length(candidate: Candidate, ahead: list[Phrase], *, closing: bool) -> int:
    """How many phrases this clip can dance from here: one or two, all that remain for an outro, 0 if none."""

    def fits(count: int) -> bool:
        return count <= len(ahead) and candidate.analysis.span(sum(p.beats for p in ahead[:count])) is not None

    if closing and fits(len(ahead)):
        return len(ahead)
    return next((count for count in (2, 1) if fits(count)), 0)


def _place(candidate: Candidate, phrases: list[Phrase], *, is_first: bool, is_last: bool, duration: float) -> Move:
    """Map the clip's counts onto the song's: its "1" on the phrase's "1", its last count on the phrase's last."""
    analysis = candidate.analysis
    # A clip too short for this stretch (only ever a last resort) dances all it has, as fast as it must.
    span = analysis.span(sum(p.beats for p in phrases)) or (analysis.first_one, len(analysis.beats) - 1)
    song_a, song_b = phrases[0].start, phrases[-1].end
    return Move(
        clip=candidate.clip,
        analysis=analysis,
        first_phrase=phrases[0].index,
        phrases=len(phrases),
        counts=span[1] - span[0],
        clip_first_beat=span[0],
        song_start=0.0 if is_first else song_a,
        song_end=duration if is_last else song_b,
        song_span=(song_a, song_b),
        clip_span=(analysis.beat_time(span[0]), analysis.beat_time(span[1])),
    )
