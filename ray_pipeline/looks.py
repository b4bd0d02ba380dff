"""How the couple looks at a moment of a clip, without any model weights, and how far apart two such looks are.

A cut between two moves jars when the outfits or the room change, when the couple jumps across the frame or
changes size, or when the hold changes shape. The couple is what differs from the clip's background (the
per-pixel median over the clip, since the dancers keep moving and the camera does not).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ray_pipeline.steps import Frames, picture_area

FOREGROUND = 28  # grey levels (any channel) from the background that count as the couple
HUE_BINS, SATURATION_BINS = 8, 4
OUTLINE = (6, 8)  # rows, columns of the coarse occupancy grid over the picture
WEIGHTS = {"outfits": 0.3, "room": 0.15, "place": 0.25, "outline": 0.3}


@dataclass(frozen=True)
class Look:
    """The couple in one frame: where and how big, the colours they wear, the room's colours, their outline."""

    centre: tuple[float, float]  # x, y of the couple's middle, 0-1 across the picture
    size: tuple[float, float]  # width, height of the couple, 0-1 of the picture
    outfits: tuple[float, ...]  # hue-saturation histogram of the couple's pixels, sums to 1
    room: tuple[float, ...]  # the same for the background
    outline: tuple[float, ...]  # share of each cell of a coarse grid the couple covers

    @classmethod
    def from_dict(cls, data: dict) -> Look:
        return cls(**{key: tuple(value) for key, value in data.items()})


def _histogram(pixels: np.ndarray) -> tuple[float, ...]:
    if pixels.size == 0:
        return tuple([1.0 / (HUE_BINS * SATURATION_BINS)] * (HUE_BINS * SATURATION_BINS))
    hsv = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV).reshape(-1, 3)
    counts, _, _ = np.histogram2d(hsv[:, 0], hsv[:, 1], bins=(HUE_BINS, SATURATION_BINS), range=((0, 180), (0, 256)))
    return tuple(np.round(counts.ravel() / counts.sum(), 4).tolist())


def look_of(picture: np.ndarray, background: np.ndarray) -> Look:
    """The look of one RGB picture (bars removed) against the clip's background."""
    difference = np.abs(picture.astype(np.int16) - background.astype(np.int16)).max(axis=2)
    mask = cv2.morphologyEx((difference > FOREGROUND).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    height, width = mask.shape
    ys, xs = np.nonzero(mask)
    if xs.size:
        centre = (float(xs.mean() / width), float(ys.mean() / height))
        size = (float((xs.max() - xs.min() + 1) / width), float((ys.max() - ys.min() + 1) / height))
    else:
        centre, size = (0.5, 0.5), (0.0, 0.0)
    cells = cv2.resize(mask.astype(np.float32), (OUTLINE[1], OUTLINE[0]), interpolation=cv2.INTER_AREA)
    return Look(
        centre=tuple(round(v, 4) for v in centre),
        size=tuple(round(v, 4) for v in size),
        outfits=_histogram(picture[mask > 0]),
        room=_histogram(picture[mask == 0]),
        outline=tuple(np.round(cells.ravel(), 3).tolist()),
    )


def looks_at(frames: Frames, times: list[float]) -> list[Look]:
    """The couple's look at each of ``times`` (the nearest frame)."""
    if not times or len(frames.colour) == 0:
        return []
    rows, columns = picture_area(frames.grey)
    pictures = frames.colour[:, rows, columns]
    background = np.median(pictures[:: max(1, len(pictures) // 60)], axis=0).astype(np.uint8)
    indices = np.clip(np.searchsorted(frames.times, times), 0, len(pictures) - 1)
    return [look_of(pictures[index], background) for index in indices]


def _histogram_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return 1.0 - float(np.minimum(a, b).sum())


def jump(a: Look, b: Look) -> float:
    """0 when a cut from ``a`` to ``b`` would be seamless, towards 1 the more the picture jumps."""
    place = min(1.0, float(np.hypot(*np.subtract(a.centre, b.centre)) + np.abs(np.subtract(a.size, b.size)).sum()))
    overlap = np.minimum(a.outline, b.outline).sum() / (np.maximum(a.outline, b.outline).sum() + 1e-9)
    parts = {
        "outfits": _histogram_distance(a.outfits, b.outfits),
        "room": _histogram_distance(a.room, b.room),
        "place": place,
        "outline": 1.0 - float(overlap),
    }
    return float(sum(WEIGHTS[name] * value for name, value in parts.items()))
