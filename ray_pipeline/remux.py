"""Render by remux: each move's prepared packets copied from one beat keyframe to a later one, retimed to the song.

Nothing is decoded or encoded: a move's packets get new timestamps so that its clip span lasts exactly as long
as the song span it covers (the output is variable-frame-rate H.264, frames neither dropped nor repeated),
and video and the song's AAC (``listening``) are muxed with the index in front for streaming.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from bachata_common.storage import write_atomically

TIMEBASE = Fraction(1, 15360)  # the prepared clips' own timescale

Packets = list[tuple[int, bool, bytes]]  # (pts in TIMEBASE ticks, keyframe, data), in presentation order


@dataclass(frozen=True)
class Piece:
    """One move as a remux: which clip span lands on which song span, and when it is on screen."""

    source: str  # the prepared clip
    clip_span: tuple[float, float]  # clip beats (seconds) its counts start and end on
    song_span: tuple[float, float]  # song beats they land on
    shown: tuple[float, float]  # song seconds it is on screen (the first move opens at 0, the last closes the song)


def _ticks(seconds: float) -> int:
    return round(seconds / TIMEBASE)


def _nearest(times: np.ndarray, moment: float, reach: float) -> float:
    """The keyframe at ``moment`` (within ``reach``), else the moment itself (a beat past the clip's last)."""
    if times.size:
        closest = times[np.argmin(np.abs(times - moment))]
        if abs(closest - moment) <= reach:
            return float(closest)
    return moment


def cut(piece: Piece) -> Packets:
    """The piece's packets with song timestamps: from the keyframe on its first count to its window's end."""
    with av.open(piece.source) as container:
        stream = container.streams.video[0]
        frame = 1.0 / float(stream.average_rate or 30)
        packets = [
            (float(packet.pts * stream.time_base), packet.is_keyframe, bytes(packet))
            for packet in container.demux(stream)
            if packet.pts is not None
        ]
    packets.sort(key=lambda packet: packet[0])  # no B-frames: presentation order is decoding order
    keyframes = np.array([time for time, key, _ in packets if key])
    clip_from = _nearest(keyframes, piece.clip_span[0], frame)
    clip_to = _nearest(keyframes, piece.clip_span[1], frame)
    song_from, song_to = piece.song_span
    scale = (song_to - song_from) / (clip_to - clip_from)  # song seconds per clip second

    def at(time: float) -> float:
        return song_from + (time - clip_from) * scale

    # Open on the first keyframe the window reaches (the first move's lead-in may start before its "1"); a
    # keyframe that lands after the window opens is shown from the opening on, as a still.
    start = next((i for i, (time, key, _) in enumerate(packets) if key and at(time) >= piece.shown[0] - 1e-6), None)
    if start is None:
        return []
    chosen: Packets = []
    for index in range(start, len(packets)):
        time, key, data = packets[index]
        moment = piece.shown[0] if index == start else at(time)
        if moment >= piece.shown[1] - 1e-6:
            break
        chosen.append((_ticks(moment), key, data))
    return chosen


def cut_batch(batch: list[Piece]) -> tuple[list[Packets], int]:
    """Every piece of a run of consecutive moves cut (batched so each task does enough work to be worth it),
    and which process cut them."""
    return [cut(piece) for piece in batch], os.getpid()


def keyframe_times(path: Path) -> np.ndarray:
    """Presentation times of a video's keyframes (no decoding)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return np.array(
            sorted(
                float(p.pts * stream.time_base) for p in container.demux(stream) if p.is_keyframe and p.pts is not None
            )
        )


def mux(parts: list[Packets], *, template: Path, audio: Path, duration: float, destination: Path) -> None:
    """Write the video (parts in song order) and the song's AAC into one MP4 with the index in front.

    ``template`` is any prepared clip of the format: they all carry the same parameter sets.
    """

    def write(temporary: Path) -> None:
        with (
            av.open(str(template)) as model,
            av.open(str(audio)) as sound,
            av.open(str(temporary), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            video = out.add_stream_from_template(model.streams.video[0])
            video.time_base = TIMEBASE
            audio_in = sound.streams.audio[0]
            audio_out = out.add_stream_from_template(audio_in)
            packets = [packet for part in parts for packet in part]
            end = _ticks(duration)
            for position, (pts, key, data) in enumerate(packets):
                packet = av.Packet(data)
                packet.stream, packet.time_base = video, TIMEBASE
                packet.pts = packet.dts = pts
                following = packets[position + 1][0] if position + 1 < len(packets) else end
                packet.duration = max(1, following - pts)  # the last frame holds until the song ends
                packet.is_keyframe = key
                out.mux(packet)
            for packet in sound.demux(audio_in):
                if packet.dts is None or packet.pts is None or packet.pts * audio_in.time_base >= duration:
                    continue  # the encoder's flush packet, and anything past the video's end
                packet.stream = audio_out
                out.mux(packet)

    write_atomically(destination, write)
