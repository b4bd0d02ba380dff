"""YOLO pose verification: does a clip show a couple, and do the poses at a cut line up?"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import ffmpeg
import numpy as np
import ray

from ray_pipeline.fanout import Outcome, each_path, fan_out
from ray_pipeline.file_cache import PerFileCache
from ray_pipeline.library import MoveClip
from ray_pipeline.media import probe

log = logging.getLogger(__name__)

KEYPOINTS = 17  # COCO keypoints per person
CONFIDENT = 0.5  # a keypoint counts when the model is at least this sure of it
PERSON_KEYPOINTS = 8  # a person counts when this many of their keypoints are confident
COUPLE_SHARE = 0.6  # a clip shows a couple when this share of its sampled frames has two people
SAMPLE_FRAMES = 8  # frames looked at per clip, first and last included
SAMPLE_WIDTH = 640
FAR_APART = 0.5  # mean keypoint distance (in couple-heights) at which continuity reaches 0


@dataclass(frozen=True)
class PoseReport:
    """What the model saw in one clip; poses are (2, 17, 3): x, y normalised to the couple, and confidence."""

    frames: int
    couple_frames: int
    start: list | None
    end: list | None

    @property
    def couple_share(self) -> float:
        return self.couple_frames / self.frames if self.frames else 0.0


def confident_people(people: np.ndarray) -> np.ndarray:
    """The people (n, 17, 3: x, y, confidence) with enough confident keypoints, most confident first."""
    people = np.asarray(people, dtype=np.float32).reshape(-1, KEYPOINTS, 3)
    seen = (people[:, :, 2] >= CONFIDENT).sum(axis=1)
    kept = people[seen >= PERSON_KEYPOINTS]
    return kept[np.argsort(-kept[:, :, 2].mean(axis=1))]


def couple_pose(people: np.ndarray) -> np.ndarray | None:
    """The two most confident people, left one first, in coordinates centred on the couple and scaled by its height.

    Normalising makes poses comparable across clips filmed at different distances and positions.
    """
    kept = confident_people(people)
    if len(kept) < 2:
        return None
    pair = kept[:2]
    pair = pair[np.argsort([person[person[:, 2] >= CONFIDENT, 0].mean() for person in pair])]
    visible = pair[pair[:, :, 2] >= CONFIDENT][:, :2]
    centre = visible.mean(axis=0)
    height = max(float(np.ptp(visible[:, 1])), 1e-6)
    normalised = pair.copy()
    normalised[:, :, :2] = (pair[:, :, :2] - centre) / height
    return normalised


def continuity(end: np.ndarray | None, start: np.ndarray | None) -> float | None:
    """1.0 when the next clip starts in the pose the previous one ended in, falling to 0 as they differ."""
    if end is None or start is None:
        return None
    end, start = np.asarray(end), np.asarray(start)
    both = (end[:, :, 2] >= CONFIDENT) & (start[:, :, 2] >= CONFIDENT)
    if not both.any():
        return None
    distance = float(np.linalg.norm(end[:, :, :2][both] - start[:, :, :2][both], axis=1).mean())
    return max(0.0, 1.0 - distance / FAR_APART)


def report_from_frames(frames: list[np.ndarray]) -> PoseReport:
    """Summarise the model's people per sampled frame into one report."""
    poses = [couple_pose(people) for people in frames]
    found = [pose for pose in poses if pose is not None]
    return PoseReport(
        frames=len(frames),
        couple_frames=len(found),
        start=poses[0].tolist() if poses and poses[0] is not None else None,
        end=poses[-1].tolist() if poses and poses[-1] is not None else None,
    )


def sample_frames(path: Path, count: int = SAMPLE_FRAMES) -> list[np.ndarray]:
    """``count`` frames spread over the clip, first and last included, as BGR arrays (what YOLO expects)."""
    info = probe(path)
    if not info.width or not info.height or info.duration <= 0:
        return []
    width = min(SAMPLE_WIDTH, info.width) // 2 * 2
    height = round(info.height * width / info.width / 2) * 2
    last = max(0.0, info.duration - 0.25)  # seeking to the very last frame can return nothing
    frames = []
    for time in np.linspace(0.0, last, count):
        raw, _ = (
            ffmpeg.input(str(path), ss=f"{time:.3f}")
            .filter("scale", width, height)
            .output("pipe:", vframes=1, format="rawvideo", pix_fmt="bgr24")
            .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
            .run(capture_stdout=True, capture_stderr=True)
        )
        if len(raw) == width * height * 3:
            frames.append(np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3))
    return frames


class YoloPoseModel:
    """An ultralytics pose model on the CPU: weights (.pt or exported .onnx), or a model YAML for an untrained net."""

    def __init__(self, weights: str):
        from ultralytics import YOLO  # torch loads only where verification is on

        self.model = YOLO(weights, task="pose")

    def people(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """Per frame, every detected person's keypoints as (n, 17, 3): x, y in pixels and confidence."""
        results = self.model.predict(frames, device="cpu", verbose=False) if frames else []
        people = []
        for result in results:
            keypoints = result.keypoints
            if keypoints is None or keypoints.data.shape[0] == 0:
                people.append(np.zeros((0, KEYPOINTS, 3), dtype=np.float32))
            else:
                people.append(keypoints.data.cpu().numpy().astype(np.float32))
        return people


@ray.remote
def _verify_clips(paths: list[str], weights: str) -> list[Outcome]:
    """Run the pose model over a batch of clips in one worker (the model loads once per batch)."""
    import torch

    torch.set_num_threads(1)  # one task per CPU: torch must not spread each task over all of them
    model = YoloPoseModel(weights)
    return each_path(lambda path: asdict(report_from_frames(model.people(sample_frames(Path(path))))), paths)


class YoloPoseVerifier:
    """The matching's PoseVerifier backed by a pose model; reports are cached per clip file and weights."""

    def __init__(self, weights: str, *, cache_dir: Path, cpus: int):
        self.weights, self.cpus = weights, cpus
        self.cache = PerFileCache(cache_dir / "poses", tag=f"pose-v1|{Path(weights).name}")
        self.reports: dict[str, PoseReport] = {}
        self.filtering = True

    def prepare(self, clips: list[MoveClip]) -> None:
        """Verify every clip not yet known, spread over the CPUs as Ray tasks."""
        by_path = {str(clip.path): clip for clip in clips if clip.path.exists()}
        todo = []
        for path, clip in by_path.items():
            cached = self.cache.get(Path(path))
            if cached is None:
                todo.append(path)
            else:
                self.reports[clip.clip_id] = PoseReport(**cached)
        for path, report, error in fan_out(_verify_clips, todo, self.cpus, self.weights):
            if report is None:
                log.warning("pose verification skipped %s: %s", path, error)
                continue
            self.cache.put(Path(path), report)
            self.reports[by_path[path].clip_id] = PoseReport(**report)
        known = [self.reports[clip.clip_id] for clip in by_path.values() if clip.clip_id in self.reports]
        # A model that sees a couple in none of the clips is wrong about the library, not the other way round.
        self.filtering = any(report.couple_share >= COUPLE_SHARE for report in known)
        if known and not self.filtering:
            log.warning("the pose model saw no couple in any of %d clips; not filtering by it", len(known))

    def accepts(self, clip: MoveClip) -> bool:
        report = self.reports.get(clip.clip_id)
        return not self.filtering or report is None or report.couple_share >= COUPLE_SHARE

    def transition(self, previous: MoveClip, following: MoveClip) -> float | None:
        before, after = self.reports.get(previous.clip_id), self.reports.get(following.clip_id)
        if before is None or after is None:
            return None
        return continuity(before.end, after.start)
