"""From placed moves to remux pieces, and the WebVTT count track that goes beside the video."""

from __future__ import annotations

from pathlib import Path

from ray_pipeline.matching import Move
from ray_pipeline.remux import Piece


def pieces(moves: list[Move], prepared: dict[str, Path]) -> list[Piece]:
    """One remux piece per move: its clip span onto its song span, on screen from its start to its end."""
    return [
        Piece(
            source=str(prepared[move.clip.clip_id]),
            clip_span=move.clip_span,
            song_span=move.song_span,
            shown=(move.song_start, move.song_end),
        )
        for move in moves
    ]


def _timestamp(seconds: float) -> str:
    hours, rest = divmod(max(0.0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def webvtt(beats: list[float], counts: list[int], names: list[str], duration: float) -> str:
    """One cue per beat: its count (1-8) and the move being danced."""
    lines = ["WEBVTT", ""]
    for index, (start, count, name) in enumerate(zip(beats, counts, names, strict=True)):
        end = beats[index + 1] if index + 1 < len(beats) else duration
        if end > start:
            lines += [f"{_timestamp(start)} --> {_timestamp(end)}", f"{count} · {name}", ""]
    return "\n".join(lines)
