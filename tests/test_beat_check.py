"""The on-beat check reads the dancers from a render's pictures, and fails a render whose beat is off."""

from __future__ import annotations

import numpy as np
import pytest

from ray_pipeline.beat_check import Segment, check_video, clip_lock
from ray_pipeline.formats import OutputFormat
from tests.support.renders import render_generated_song


@pytest.fixture(scope="module")
def checked(ray_two_cpus, demo_library, render_cache, tmp_path_factory):
    """A generated song (true beats known) rendered from the drawn-couple library, and what the check needs."""
    song, renderer, outcome = render_generated_song(
        demo_library, render_cache, tmp_path_factory.mktemp("check"),
        bpm=126, duration=40, first_beat=0.6, song_seed=5, output=OutputFormat(320, 180), seed=2,
    )  # fmt: skip
    segments = [Segment(s["start"], s["end"], s["clip"]) for s in outcome.summary["segments"]]
    analyses = renderer.clip_analyses(renderer.library)
    by_id = {clip.clip_id: clip for clip in renderer.library}
    expected = {s.clip: clip_lock(by_id[s.clip].path, np.asarray(analyses[s.clip].beats)) for s in segments}
    return {"video": outcome.video, "song": song, "segments": segments, "expected": expected}


def test_a_render_on_the_true_beat_passes(checked):
    report = check_video(checked["video"], checked["song"].beats, checked["segments"], checked["expected"])
    assert len(report.judged) >= len(checked["segments"]) - 1, "the drawn couple locks clearly in every move"
    assert report.on_beat_share == 1.0
    assert all(abs(check.offset) < 0.15 for check in report.judged)


def test_the_same_render_with_its_audio_half_a_beat_late_fails(checked):
    """Delaying the audio by half a beat moves every true beat half a beat later: the check must say so."""
    period = 60 / checked["song"].bpm
    late = checked["song"].beats + period / 2
    report = check_video(checked["video"], late, checked["segments"], checked["expected"])
    assert report.judged and report.on_beat_share == 0.0
