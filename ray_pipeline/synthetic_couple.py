"""A drawn couple that steps on known beats: the picture half of generated move clips.

Two figures in a room sink as each step lands and rise between steps while their feet travel, so the
weight-transfer signal of ``steps`` sees them as it sees real dancers. Their outfits, the room and where
they stand come from a seed, so generated clips differ the way recording sessions do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Real couples' weight-transfer signal peaks ~0.1 beat before the beat their music's bass marks
# (clip_analysis.STEP_PHASE). The drawn couple sinks fastest (body lowest a quarter beat later) while its feet
# are stillest at that moment, so both parts of the signal agree whatever the outfits' contrast.
SINK = 0.23  # where in the beat the body is lowest (measured: the signal then peaks at ~0.9)
TRAVEL = (0.23, 0.73)  # where in the beat the free foot moves


@dataclass(frozen=True)
class Couple:
    """How a generated couple looks: outfit colours, the room's colours, where they stand and how big."""

    tops: tuple[tuple[int, int, int], tuple[int, int, int]]
    trousers: tuple[tuple[int, int, int], tuple[int, int, int]]
    wall: tuple[int, int, int]
    floor: tuple[int, int, int]
    centre: float  # 0-1 across the picture
    scale: float  # body height as a share of the picture

    @classmethod
    def from_seed(cls, seed: int) -> Couple:
        rng = np.random.default_rng(seed)

        def colour(low: int, high: int) -> tuple[int, int, int]:
            return tuple(int(v) for v in rng.integers(low, high, 3))

        saturated = [(200, 40, 50), (40, 70, 200), (30, 160, 70), (220, 150, 20), (150, 40, 160), (20, 20, 20)]
        first, second = rng.choice(len(saturated), 2, replace=False)
        # Light walls, a mid floor and dark trousers: every moving edge shows, as in real footage.
        return cls(
            tops=(saturated[first], saturated[second]),
            trousers=(colour(10, 70), colour(10, 70)),
            wall=colour(175, 235),
            floor=colour(100, 150),
            centre=float(rng.uniform(0.4, 0.6)),
            scale=float(rng.uniform(0.7, 0.85)),
        )


def _room(width: int, height: int, couple: Couple) -> np.ndarray:
    room = np.empty((height, width, 3), np.uint8)
    horizon = int(height * 0.72)
    room[:horizon] = couple.wall
    room[horizon:] = couple.floor
    room[:, : width // 40] = np.array(couple.wall) * 0.8  # a door frame, so the room has some texture
    return room


def _figure(
    frame: np.ndarray, x: float, foot_y: float, height: float, *, top, trousers, stride: float, sink: float
) -> None:
    """A blocky person, feet on the floor at ``foot_y``, knees bent by ``sink``, one foot ``stride`` aside."""
    h, w, _ = frame.shape
    unit = height / 8

    def box(x0: float, y0: float, x1: float, y1: float, colour) -> None:
        frame[max(0, int(y0)) : min(h, int(y1)), max(0, int(x0)) : min(w, int(x1))] = colour

    hips = foot_y - 3.6 * unit + sink
    box(x - 1.1 * unit, hips, x - 0.2 * unit, foot_y, trousers)  # standing leg
    box(x + 0.2 * unit + stride, hips, x + 1.1 * unit + stride, foot_y, trousers)  # stepping leg
    box(x - 1.4 * unit, hips - 3.0 * unit, x + 1.4 * unit, hips + 0.4 * unit, top)
    box(x - 0.6 * unit, hips - 4.3 * unit, x + 0.6 * unit, hips - 3.1 * unit, (224, 190, 160))


def couple_frames(
    *, width: int, height: int, fps: int, duration: float, landings: np.ndarray, couple: Couple
) -> np.ndarray:
    """RGB frames of the couple stepping so that each step lands at one of ``landings`` (seconds)."""
    room = _room(width, height, couple)
    period = float(np.median(np.diff(landings))) if len(landings) > 1 else 0.5
    count = round(duration * fps)
    frames = np.empty((count, height, width, 3), np.uint8)
    body = couple.scale * height
    for index in range(count):
        t = index / fps
        since = (t - landings[0]) / period
        phase = since % 1.0
        sink = 0.5 * (1 + np.cos(2 * np.pi * (phase - SINK))) * 0.04 * body
        travel = np.clip((phase - TRAVEL[0]) / (TRAVEL[1] - TRAVEL[0]), 0.0, 1.0)
        side = 1 if int(np.floor(since)) % 2 else -1
        stride = side * 0.08 * body * (0.5 - 0.5 * np.cos(np.pi * travel))
        frame = frames[index]
        frame[:] = room
        for who, offset in enumerate((-0.12, 0.12)):
            x = width * (couple.centre + offset * couple.scale)
            _figure(
                frame,
                x,
                height * 0.97,
                body,
                top=couple.tops[who],
                trousers=couple.trousers[who],
                stride=stride * (1 - 2 * who),
                sink=sink,
            )
    return frames
