"""The dancers' steps seen in the picture: a weight-transfer signal measured by dense optical flow.

When a step lands, the hips and knees move down and the feet stop, so the downward flow of the picture's
middle rows minus the speed of its bottom rows peaks once a beat. Measured on frames ~160 px wide.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ray_pipeline.errors import FFmpegError
from ray_pipeline.phase import Lock, Signal, phase_lock

FLOW_WIDTH = 160
HIPS_AND_KNEES = (0.40, 0.70)  # rows of the picture (0 top, 1 bottom) whose downward flow counts
FEET = (0.80, 1.00)  # rows whose speed counts against it
STATIC = 2.0  # grey levels: a column or row that never changes more than this is a baked-in bar
EDGE = 0.1  # seconds left out at each end of a stretch: at a cut the flow sees two clips at once


@dataclass(frozen=True)
class Frames:
    """Small greyscale (and colour) frames of a video with their presentation times."""

    grey: np.ndarray  # (n, height, width) uint8
    colour: np.ndarray  # (n, height, width, 3) uint8, RGB
    times: np.ndarray  # seconds


def _presentation_times(path: Path) -> np.ndarray:
    command = [
        "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
        "-of", "json", str(path),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FFmpegError("ffprobe", result.stderr)
    packets = json.loads(result.stdout).get("packets", [])
    return np.sort([float(p["pts_time"]) for p in packets if p.get("pts_time") not in (None, "N/A")])


def read_frames(path: Path, *, width: int = FLOW_WIDTH) -> Frames:
    """Every frame of ``path`` scaled to ``width`` (height keeps the aspect, even), as RGB and greyscale."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json",
         str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        raise FFmpegError("ffprobe", probe.stderr)
    stream = json.loads(probe.stdout)["streams"][0]
    height = max(2, round(stream["height"] * width / stream["width"] / 2) * 2)
    decode = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough",
         "-vf", f"scale={width}:{height}:flags=area", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
        capture_output=True, check=False,
    )  # fmt: skip
    if decode.returncode != 0:
        raise FFmpegError("ffmpeg", decode.stderr.decode(errors="replace"))
    colour = np.frombuffer(decode.stdout, np.uint8).reshape(-1, height, width, 3)
    times = _presentation_times(path)
    count = min(len(colour), len(times))
    grey = np.stack([cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in colour[:count]]) if count else colour
    return Frames(grey=grey, colour=colour[:count], times=times[:count])


def picture_area(grey: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns that ever change: the picture without the bars baked into the clips."""
    spread = grey.std(axis=0) if len(grey) > 1 else np.full(grey.shape[1:], STATIC + 1)

    def span(profile: np.ndarray) -> slice:
        moving = np.flatnonzero(profile > STATIC)
        return slice(int(moving[0]), int(moving[-1]) + 1) if moving.size else slice(0, profile.size)

    return span(spread.mean(axis=1)), span(spread.mean(axis=0))


def _band(rows: slice, fraction: tuple[float, float]) -> slice:
    height = rows.stop - rows.start
    return slice(rows.start + int(height * fraction[0]), rows.start + max(1, int(height * fraction[1])))


def weight_transfer(frames: Frames) -> Signal:
    """The step signal, resampled to a steady rate (renders may have variable frame timing)."""
    grey, times = frames.grey, frames.times
    if len(grey) < 3:
        return Signal(np.zeros(0), 30.0, 0.0)
    rows, columns = picture_area(grey)
    middle, bottom = _band(rows, HIPS_AND_KNEES), _band(rows, FEET)
    values = np.empty(len(grey) - 1)
    for index in range(1, len(grey)):
        flow = cv2.calcOpticalFlowFarneback(
            grey[index - 1][:, columns], grey[index][:, columns], None, 0.5, 3, 9, 3, 5, 1.1, 0
        )
        downward = flow[middle, :, 1].mean()
        feet_speed = np.hypot(flow[bottom, :, 0], flow[bottom, :, 1]).mean()
        values[index - 1] = downward - feet_speed
    midpoints = (times[1:] + times[:-1]) / 2  # flow describes the motion between two frames
    rate = float(round(1.0 / np.median(np.diff(times)))) if len(times) > 2 else 30.0
    steady = np.arange(midpoints[0], midpoints[-1], 1.0 / rate)
    return Signal(np.interp(steady, midpoints, values), rate, float(midpoints[0]))


def _steady(signal: Signal, start: float, end: float) -> Signal:
    """The signal between ``start`` and ``end`` (less EDGE), its spikes (a cut, a jolt) clipped."""
    times = signal.times
    keep = (times >= start + EDGE) & (times < end - EDGE)
    values = signal.values[keep]
    if values.size:
        median = np.median(values)
        spread = 5 * np.median(np.abs(values - median)) + 1e-9
        values = np.clip(values, median - spread, median + spread)
    return Signal(values, signal.rate, float(times[keep][0]) if keep.any() else start)


def step_lock(signal: Signal, beats: np.ndarray, *, start: float | None = None, end: float | None = None) -> Lock:
    """How the steps between ``start`` and ``end`` (the whole signal by default) lock to ``beats``."""
    first = signal.start - EDGE if start is None else start
    last = float(signal.times[-1]) + EDGE + 1.0 if end is None else end
    return phase_lock(_steady(signal, first, last), beats)
