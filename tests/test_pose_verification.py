"""YOLO pose verification: the decision rules on hand-made keypoints, and the real ultralytics path on the CPU."""

from __future__ import annotations

import numpy as np
import pytest

from ray_pipeline import pose
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveIndex, load_library, playable
from ray_pipeline.media import probe
from ray_pipeline.pipeline import Renderer, RenderRequest
from ray_pipeline.pose import (
    PoseReport,
    YoloPoseModel,
    YoloPoseVerifier,
    continuity,
    couple_pose,
    report_from_frames,
    sample_frames,
)
from ray_pipeline.synthetic import make_song

UNTRAINED = "yolov8n-pose.yaml"  # ships inside ultralytics: a real network with random weights, nothing downloaded
# A standing figure: 17 COCO keypoints (x, y) in pixels, head at the top.
FIGURE = np.array(
    [[0, 0], [-5, -5], [5, -5], [-10, 0], [10, 0], [-20, 30], [20, 30], [-30, 60], [30, 60],
     [-35, 90], [35, 90], [-15, 100], [15, 100], [-15, 150], [15, 150], [-15, 200], [15, 200]],
    dtype=np.float32,
)  # fmt: skip


def person(x: float, y: float = 100, *, scale: float = 1.0, confidence: float = 0.9) -> np.ndarray:
    keypoints = np.zeros((17, 3), dtype=np.float32)
    keypoints[:, :2] = FIGURE * scale + (x, y)
    keypoints[:, 2] = confidence
    return keypoints


def frame(*people: np.ndarray) -> np.ndarray:
    return np.stack(people) if people else np.zeros((0, 17, 3), dtype=np.float32)


def test_a_couple_needs_two_confidently_seen_people():
    assert couple_pose(frame(person(100))) is None
    assert couple_pose(frame(person(100), person(200, confidence=0.3))) is None
    assert couple_pose(frame(person(100), person(200))).shape == (2, 17, 3)
    # A third, less certain bystander does not change the couple.
    dancers = couple_pose(frame(person(100), person(200)))
    crowd = couple_pose(frame(person(100), person(400, confidence=0.6), person(200)))
    assert np.allclose(dancers, crowd)


def test_the_couple_is_read_left_to_right_whatever_order_the_model_lists_them():
    assert np.allclose(couple_pose(frame(person(100), person(250))), couple_pose(frame(person(250), person(100))))


def test_continuity_is_one_for_the_same_pose_anywhere_in_the_frame_at_any_size():
    here = couple_pose(frame(person(100), person(200)))
    there_and_bigger = couple_pose(frame(person(300, 50, scale=2), person(500, 50, scale=2)))
    assert continuity(here, there_and_bigger) == pytest.approx(1.0)


def test_continuity_falls_as_the_poses_differ():
    start = couple_pose(frame(person(100), person(200)))
    closer = couple_pose(frame(person(130), person(200)))
    apart = couple_pose(frame(person(0), person(600)))
    assert continuity(start, apart) == 0.0 < continuity(start, closer) < 1
    assert continuity(start, None) is None


def test_report_counts_the_frames_with_a_couple_and_keeps_the_first_and_last_poses():
    frames = [frame(person(100), person(200)), frame(person(100)), frame(), frame(person(110), person(210))]
    report = report_from_frames(frames)
    assert (report.frames, report.couple_frames, report.couple_share) == (4, 2, 0.5)
    assert np.allclose(report.start, couple_pose(frames[0]))
    assert np.allclose(report.end, couple_pose(frames[3]))
    assert report_from_frames([frame(person(100)), frame()]).start is None


def _verifier_with(tmp_path, reports: dict[str, PoseReport], clips) -> YoloPoseVerifier:
    verifier = YoloPoseVerifier(UNTRAINED, cache_dir=tmp_path, cpus=1)
    for clip in clips:
        verifier.cache.put(clip.path, vars(reports[clip.clip_id]))
    verifier.prepare(clips)  # everything is cached: no model runs
    return verifier


def test_clips_without_a_couple_are_refused_and_cuts_score_by_pose(tmp_path, demo_library, monkeypatch):
    monkeypatch.setattr(pose, "_verify_clips", None)  # a model run would fail the test
    clips = playable(load_library(demo_library))[:3]
    together = couple_pose(frame(person(100), person(200))).tolist()
    apart = couple_pose(frame(person(0), person(600))).tolist()
    reports = {
        clips[0].clip_id: PoseReport(frames=8, couple_frames=8, start=together, end=together),
        clips[1].clip_id: PoseReport(frames=8, couple_frames=2, start=together, end=together),
        clips[2].clip_id: PoseReport(frames=8, couple_frames=6, start=apart, end=apart),
    }
    verifier = _verifier_with(tmp_path, reports, clips)
    assert [verifier.accepts(clip) for clip in clips] == [True, False, True]
    assert verifier.transition(clips[0], clips[1]) == pytest.approx(1.0)
    assert verifier.transition(clips[0], clips[2]) < 0.5


def test_a_model_that_sees_no_couple_anywhere_does_not_filter(tmp_path, demo_library):
    clips = playable(load_library(demo_library))[:2]
    nobody = PoseReport(frames=8, couple_frames=0, start=None, end=None)
    verifier = _verifier_with(tmp_path, dict.fromkeys([c.clip_id for c in clips], nobody), clips)
    assert all(verifier.accepts(clip) for clip in clips)
    assert verifier.transition(clips[0], clips[1]) is None  # stored pose embeddings decide instead


def test_the_real_model_runs_on_sampled_frames(demo_library):
    clip = playable(load_library(demo_library))[0]
    frames = sample_frames(clip.path)
    info = probe(clip.path)
    assert len(frames) == pose.SAMPLE_FRAMES
    assert frames[0].shape == (info.height * min(640, info.width) // info.width, min(640, info.width), 3)
    people = YoloPoseModel(UNTRAINED).people(frames)
    assert len(people) == len(frames)
    assert all(p.ndim == 3 and p.shape[1:] == (17, 3) for p in people)
    assert report_from_frames(people).frames == len(frames)


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    return make_song(tmp_path_factory.mktemp("pose-song") / "song.wav", bpm=126, duration=34, seed=5)


@pytest.mark.parametrize("verification", ["off", "untrained model"])
def test_renders_are_valid_with_verification_on_and_off(
    ray_two_cpus, demo_library, render_cache, tmp_path, song, verification
):
    clips = playable(load_library(demo_library))
    verifier = None
    if verification != "off":
        verifier = YoloPoseVerifier(UNTRAINED, cache_dir=tmp_path / "cache", cpus=2)
    renderer = Renderer(index=MoveIndex(clips), cache_dir=render_cache, cpus=2, verifier=verifier)
    outcome = renderer.render(
        RenderRequest(song=song.path, destination=tmp_path / "out.mp4", output=OutputFormat(640, 360), seed=1),
        lambda *_: None,
    )
    info = probe(outcome.video)
    assert (info.width, info.height, info.video_codec) == (640, 360, "h264")
    assert info.duration == pytest.approx(34.0, abs=0.1)
    if verifier is not None:
        offered = {clip.clip_id for clip in clips if clip.path.exists()}
        assert set(verifier.reports) and set(verifier.reports) <= offered  # every candidate went through the model
        assert len(list((tmp_path / "cache" / "poses").glob("*.json"))) == len(verifier.reports)


def test_exported_onnx_weights_run_through_the_same_path(demo_library, tmp_path, monkeypatch):
    from ultralytics import YOLO

    monkeypatch.chdir(tmp_path)  # ultralytics exports beside the model source
    exported = YOLO(UNTRAINED).export(format="onnx", imgsz=320, simplify=False)
    frames = sample_frames(playable(load_library(demo_library))[0].path, count=3)
    people = YoloPoseModel(str(exported)).people(frames)
    assert len(people) == 3 and all(p.shape[1:] == (17, 3) for p in people)


def test_weights_come_from_the_setting_and_no_weights_means_off(tmp_path, caplog):
    import logging

    from bachata_common.settings import Settings
    from ray_pipeline.backends import open_pose_verifier

    with caplog.at_level(logging.INFO, logger="ray_pipeline.backends"):
        assert open_pose_verifier(Settings(var_dir=tmp_path), cpus=2) is None
    assert caplog.text.count("pose verification off") == 1
    verifier = open_pose_verifier(Settings(var_dir=tmp_path, pose_weights=tmp_path / "pose.onnx"), cpus=2)
    assert isinstance(verifier, YoloPoseVerifier) and verifier.weights.endswith("pose.onnx")
