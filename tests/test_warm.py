"""The standing node's warm actors: hearers that hear a joined render's song, cutters that remux its moves."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
import ray

from bachata_common.paths import PROJECT_ROOT
from job_launcher.ray_node import RayNode
from ray_pipeline.analysis import audio_embedding
from ray_pipeline.errors import BadInput
from ray_pipeline.listening import Listening, hear
from ray_pipeline.remux import Piece, cut
from ray_pipeline.synthetic import SAMPLE_RATE, make_song
from ray_pipeline.warm import NAMESPACE, answers_of, node_cutters


@pytest.fixture(scope="module")
def joined_node() -> Iterator[RayNode]:
    """A standing node as the local launcher starts it, joined by this process for the module."""
    node = RayNode(cpus=2, cwd=PROJECT_ROOT, log_path=None)
    node.start(dict(os.environ), on_settled=lambda: None)
    try:
        assert node.wait_until_settled(180) and node.usable(), "the standing node did not start"
        ray.init(address=node.address, log_to_driver=False, configure_logging=False)
        yield node
    finally:
        ray.shutdown()
        node.stop()


def test_the_nodes_warm_hearers_hear_the_song_as_a_renders_own_processes_would(joined_node, tmp_path, caplog):
    song = make_song(tmp_path / "groove.wav", bpm=127, duration=40, seed=4)
    with (
        caplog.at_level(logging.INFO, logger="ray_pipeline.warm"),
        Listening(song.path, tmp_path / ".groove.audio.m4a", on_node=True) as listening,
    ):
        listening.begin()
        there = listening.heard()
        embedding = listening.embedding()
        here = hear(listening.samples())
    assert "heard by the Ray node's warm hearers" in caplog.text
    assert np.array_equal(there.grid.beats, here.grid.beats) and np.array_equal(there.grid.counts, here.grid.counts)
    assert there.grid.tempo == here.grid.tempo and there.energy_curve == here.energy_curve
    assert np.allclose(embedding, audio_embedding(here.samples, here.sr, here.grid.tempo), atol=1e-6)


def test_what_a_warm_hearer_cannot_hear_comes_back_as_its_reason(joined_node):
    """A render decodes and measures the song itself, so a beat too few to count is the hearer's own verdict."""
    hearer = ray.get_actor("hearing-beats", namespace=NAMESPACE)
    two_seconds = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    with pytest.raises(BadInput, match="No steady beat"):
        answers_of({"beats": hearer.part.remote(two_seconds)})
    assert ray.get(hearer.ready.remote())  # and it goes on hearing


def test_the_nodes_warm_cutters_cut_a_move_as_a_task_would(joined_node, prepared):
    analysis, path = prepared
    one = analysis.first_one
    clip_span = (analysis.beat_time(one), analysis.beat_time(one + 8))
    piece = Piece(str(path), clip_span, (5.0, 5.0 + clip_span[1] - clip_span[0]), shown=(5.0, 9.0))
    cutters = node_cutters()
    assert len(cutters) == joined_node.cpus
    results = ray.get([cutter.cut.remote([piece]) for cutter in cutters])
    assert all(packets == [cut(piece)] for packets, _ in results)
    assert len({pid for _, pid in results}) == len(cutters)  # one process each, standing between renders


def test_without_warm_hearers_a_render_hears_the_song_itself(tmp_path):
    """The control: a runtime of the render's own has no hearers, and the song is heard all the same."""
    song = make_song(tmp_path / "groove.wav", bpm=122, duration=40, seed=5)
    script = (
        "import logging, sys\nfrom pathlib import Path\nfrom ray_pipeline.runtime import ray_runtime\n"
        "from ray_pipeline.listening import Listening\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "with ray_runtime(1), Listening(Path(sys.argv[1]), Path(sys.argv[2]), on_node=True) as listening:\n"
        "    listening.begin()\n"
        "    print(round(listening.heard().grid.tempo))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, str(song.path), str(tmp_path / ".a.m4a")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "has no warm hearers; this render hears the song itself" in child.stderr
    assert abs(int(child.stdout.split()[-1]) - 122) <= 1


def test_a_joined_render_holds_no_ray_object_once_it_has_heard_the_song(joined_node, tmp_path):
    """The job stops Ray while it publishes: a Ray object its Listening still held, freed meanwhile, killed it."""
    song = make_song(tmp_path / "groove.wav", bpm=125, duration=35, seed=6)
    with Listening(song.path, tmp_path / ".groove.audio.m4a", on_node=True) as listening:
        listening.begin()
        listening.heard()
        gc.collect()
        held = ray._private.worker.global_worker.core_worker.get_all_reference_counts()
        assert not [ref for ref, count in held.items() if count["local"]], held
