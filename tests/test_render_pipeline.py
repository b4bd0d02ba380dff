"""End to end on the real library with real ffmpeg and a real 2-CPU Ray runtime on loopback."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess

import numpy as np
import psutil
import pytest

from ray_pipeline.errors import FFmpegError
from ray_pipeline.formats import OutputFormat
from ray_pipeline.media import probe, run_ffmpeg
from ray_pipeline.pipeline import RenderRequest
from tests.support.renders import render_generated_song


@pytest.fixture(scope="module")
def rendered(ray_two_cpus, real_library_dir, render_cache, tmp_path_factory):
    stages = []
    song, renderer, outcome = render_generated_song(
        real_library_dir, render_cache, tmp_path_factory.mktemp("render"),
        bpm=128, duration=60, first_beat=0.7, song_seed=11, output=OutputFormat(640, 360), seed=4,
        progress=lambda stage, percent, message: stages.append((stage, percent)),
    )  # fmt: skip
    return {"song": song, "outcome": outcome, "stages": stages, "renderer": renderer}


def test_video_is_a_valid_mp4_of_the_song(rendered):
    info = probe(rendered["outcome"].video)
    assert (info.video_streams, info.audio_streams) == (1, 1)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == (640, 360)
    assert abs(info.duration - 60.0) <= 0.1
    head = rendered["outcome"].video.read_bytes()[:200_000]
    assert head[4:8] == b"ftyp"
    assert head.find(b"moov") < head.find(b"mdat")  # +faststart: the index comes before the media data


def test_quality_targets(rendered):
    summary = rendered["outcome"].summary
    quality = summary["quality"]
    assert quality["cut_on_beat"] == 1.0
    assert quality["phrase_alignment"] >= 0.95
    assert quality["tempo_fit_max"] <= 0.02
    assert quality["repeats_in_a_row"] == 0
    assert abs(summary["tempo"] - 128) <= 1.0
    true_cuts = rendered["song"].beats
    for segment in summary["segments"][1:]:
        assert np.min(np.abs(true_cuts - segment["start"])) <= 0.040, "a cut is off the song's real beat"
    assert summary["segments"][0]["start"] == 0.0 and summary["segments"][-1]["end"] == pytest.approx(60.0, abs=0.05)


def test_quality_carries_figures_that_can_disagree_with_the_grid(rendered):
    quality = rendered["outcome"].summary["quality"]
    segments = rendered["outcome"].summary["segments"]
    assert quality["song_bass_on_beat"] >= 0.9  # a generated song: its bass is on its true beats
    assert 0.0 < quality["one_confidence"] <= 1.0
    assert set(quality["loose_timing_moves"]) <= {0, len(segments) - 1}, "loose clips only open or close"
    assert quality["median_cut_jump"] is not None and 0.0 <= quality["median_cut_jump"] < 1.0
    agree = [s["dancers"]["on_beat"] for s in segments]
    assert quality["dancers_on_beat"] == pytest.approx(np.mean(agree), abs=1e-3)
    assert all(s["dancers"]["timing"] in ("locked", "loose") for s in segments)


def test_progress_rises_through_the_stage_bands(rendered):
    stages = [stage for stage, _ in rendered["stages"]]
    assert stages[0] == "analyzing" and stages[-1] == "finalizing"
    assert {"selecting", "generating"} <= set(stages)
    percents = [percent for _, percent in rendered["stages"]]
    assert percents == sorted(percents) and percents[0] >= 10 and percents[-1] <= 100


def test_webvtt_carries_counts_and_move_names(rendered):
    text = rendered["outcome"].subtitles.read_text()
    assert text.startswith("WEBVTT")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> \d\d:\d\d:\d\d\.\d{3}\n(\d) · (.+)", text)
    counts = [int(count) for _, count, _ in cues]
    assert set(counts) == set(range(1, 9))
    first_one = counts.index(1)
    assert counts[first_one : first_one + 16] == list(range(1, 9)) * 2
    names = {name for _, _, name in cues}
    assert names == {segment["move"] for segment in rendered["outcome"].summary["segments"]}


def test_segments_ran_in_ray_workers_bound_to_loopback(rendered):
    pids = rendered["renderer"].worker_pids
    assert pids and os.getpid() not in pids
    listening = [
        conn.laddr.ip
        for process in psutil.Process().children(recursive=True)
        for conn in process.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert listening, "no Ray process is listening at all?"
    for address in listening:
        ip = ipaddress.ip_address(address)
        assert (getattr(ip, "ipv4_mapped", None) or ip).is_loopback, f"a Ray process listens on {address}"


def test_a_second_render_of_the_song_is_the_same_video(rendered, tmp_path):
    renderer = rendered["renderer"]
    again = renderer.render(
        RenderRequest(
            song=rendered["song"].path, destination=tmp_path / "again.mp4", output=OutputFormat(640, 360), seed=4
        ),
        lambda *_: None,
    )
    assert again.summary["segments"] == rendered["outcome"].summary["segments"]
    assert again.video.read_bytes() == rendered["outcome"].video.read_bytes()


def _packets(video, stream: str) -> list[tuple[float, bool]]:
    """(presentation time, keyframe) of every packet of a stream, in presentation order."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time,flags",
         "-of", "json", str(video)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    packets = json.loads(out)["packets"]
    return sorted((float(p["pts_time"]), "K" in p["flags"], float(p.get("duration_time", 0))) for p in packets)


def test_the_video_is_cut_on_the_beats_without_re_encoding(rendered):
    """Remuxed: strictly increasing frame times, a keyframe at every move's start, frames evenly retimed per move."""
    video, summary = rendered["outcome"].video, rendered["outcome"].summary
    frames = _packets(video, "v:0")
    times = np.array([time for time, _, _ in frames])
    assert np.all(np.diff(times) > 0), "frame timestamps must strictly increase"
    keyframes = np.array([time for time, key, _ in frames if key])
    frame = 1 / 30
    for segment in summary["segments"]:
        assert np.min(np.abs(keyframes - segment["start"])) <= frame, f"no keyframe where {segment['clip']} starts"
        inside = times[(times > segment["start"] + frame) & (times < segment["end"] - frame)]
        intervals = np.diff(inside)
        # Each clip frame (1/30 s) lasts 1/30 / speed song seconds: none dropped, none repeated.
        assert np.median(intervals) == pytest.approx(frame / segment["speed_factor"], rel=0.02)
        assert np.max(intervals) < 1.6 * frame / segment["speed_factor"]
    end = frames[-1][0] + frames[-1][2]
    assert end == pytest.approx(60.0, abs=frame), "the video lasts exactly as long as the song"
    audio = _packets(video, "a:0")
    assert abs((audio[-1][0] + audio[-1][2]) - end) <= 0.040, "audio and video end together"


def test_ffprobe_and_a_full_decode_read_the_video_without_complaint(rendered):
    video = rendered["outcome"].video
    probe_run = subprocess.run(["ffprobe", "-v", "warning", str(video)], capture_output=True, text=True, check=True)
    assert probe_run.stderr.strip() == ""
    decode = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-fps_mode", "passthrough", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert decode.stderr.strip() == ""


def test_failing_ffmpeg_is_a_typed_error_with_stderr(tmp_path):
    import ffmpeg

    with pytest.raises(FFmpegError) as caught:
        run_ffmpeg(ffmpeg.input(str(tmp_path / "nope.mp4")).output(str(tmp_path / "out.mp4")))
    assert "No such file or directory" in caught.value.stderr_tail
    assert caught.value.message == "Video generation failed"
