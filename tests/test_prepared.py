"""The prepared library: clips framed for each format, one H.264 setup, a keyframe on every beat."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from ray_pipeline.clip_analysis import ClipAnalysis, analyse_clip
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import load_library, playable
from ray_pipeline.looks import Look
from ray_pipeline.prepared import PreparedLibrary, framing, prepare_clip, prepared_key
from ray_pipeline.remux import keyframe_times

LANDSCAPE, PORTRAIT = OutputFormat(640, 360), OutputFormat(360, 640)


def _analysis(**changes) -> ClipAnalysis:
    """A 640x360 clip whose picture sits between white bars (416x360 at x=112), the couple left of centre."""
    look = Look(centre=(0.4, 0.5), size=(0.5, 0.9), outfits=(1.0,), room=(1.0,), outline=(1.0,))
    fields = {"duration": 9.0, "fps": 30.0, "width": 640, "height": 360, "tempo": 120.0,
              "beats": tuple(0.25 + 0.5 * i for i in range(17)), "first_one": 0, "looks": (look, look),
              "picture": (112, 0, 416, 360), "content": "abc"}  # fmt: skip
    return ClipAnalysis(**{**fields, **changes})


def test_landscape_shows_the_whole_picture_without_its_bars():
    shown = framing(_analysis(), LANDSCAPE)
    assert shown.crop == (112, 0, 416, 360)
    assert shown.scaled == (416, 360)  # pillarboxed in black, centred


def test_portrait_crops_to_the_couple_not_to_half_the_screen():
    shown = framing(_analysis(), PORTRAIT)
    x, _, width, height = shown.crop
    couple_left, couple_right = 112 + (0.4 - 0.25) * 416, 112 + (0.4 + 0.25) * 416
    assert x <= couple_left and x + width >= couple_right, "the couple stays whole"
    assert width < 416 and height == 360
    assert shown.scaled[0] == 360 and shown.scaled[1] > 0.7 * 640  # the couple fills most of the screen's height


def test_a_copy_is_keyed_by_content_grid_and_format():
    base = prepared_key(_analysis(), LANDSCAPE)
    assert prepared_key(_analysis(), LANDSCAPE) == base
    assert prepared_key(_analysis(content="other"), LANDSCAPE) != base
    assert prepared_key(_analysis(beats=(0.3, 0.8)), LANDSCAPE) != base
    assert prepared_key(_analysis(), PORTRAIT) != base


def _stream(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)["streams"]


@pytest.fixture(scope="module")
def prepared_demo(demo_library, tmp_path_factory):
    """Three demo clips prepared for both formats."""
    clips = playable(load_library(demo_library))[:3]
    library = PreparedLibrary(tmp_path_factory.mktemp("prepared"))
    made = {}
    for clip in clips:
        analysis = analyse_clip(clip.path)
        for output in (LANDSCAPE, PORTRAIT):
            made[clip.clip_id, output] = (
                analysis,
                prepare_clip(clip.path, analysis, output, library.path(analysis, output)),
            )
    return made


def test_prepared_clips_have_a_keyframe_on_every_beat_and_nothing_else(prepared_demo):
    for (_, output), (analysis, path) in prepared_demo.items():
        [stream] = _stream(path)  # video only: the song replaces the clip's music
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", output.width, output.height)
        assert stream["has_b_frames"] == 0 and stream["time_base"] == "1/15360"
        assert (stream["profile"], stream["level"]) == ("High", 41)
        keyframes = keyframe_times(path)
        for beat in analysis.beats:
            assert np.min(np.abs(keyframes - beat)) <= 1 / 60 + 1e-6, f"no keyframe at the beat {beat}"
        assert len(keyframes) <= len(analysis.beats) + 1  # the first frame, and the beats: no scene-cut keyframes


def test_every_clip_of_a_format_shares_its_parameter_sets(prepared_demo):
    """Their packets can be joined by copying: the same SPS/PPS for every clip of a format."""
    import av

    for output in (LANDSCAPE, PORTRAIT):
        extradata = set()
        for (_, fmt), (_, path) in prepared_demo.items():
            if fmt == output:
                with av.open(str(path)) as container:
                    extradata.add(bytes(container.streams.video[0].codec_context.extradata))
        assert len(extradata) == 1


def test_the_command_prepares_a_whole_library(demo_library, tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "-m", "ray_pipeline.library_cli", "prepare", "--library", str(demo_library),
               "--format", "320x180", "--cpus", "2"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    clips = len(playable(load_library(demo_library)))
    assert f"320x180: {clips} clips prepared" in done.stdout
    assert len(list((tmp_path / "var" / "cache" / "prepared" / "320x180").glob("*.mp4"))) == clips
    refused = subprocess.run([*command[:-4], "--format", "odd"], capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 2 and "size must look like" in refused.stderr
