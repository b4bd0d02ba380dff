"""One generated song rendered through the real pipeline, for the tests that need a finished render."""

from __future__ import annotations

from pathlib import Path

from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveIndex, load_library, playable
from ray_pipeline.pipeline import Progress, Renderer, RenderOutcome, RenderRequest
from ray_pipeline.synthetic import SyntheticSong, make_song


def render_generated_song(
    library: Path,
    cache_dir: Path,
    folder: Path,
    *,
    bpm: float,
    duration: float,
    first_beat: float,
    song_seed: int,
    output: OutputFormat,
    seed: int,
    progress: Progress = lambda *_: None,
) -> tuple[SyntheticSong, Renderer, RenderOutcome]:
    """Make a song with known beats, render it from ``library`` on the running Ray runtime (2 CPUs)."""
    song = make_song(folder / "song.wav", bpm=bpm, duration=duration, first_beat=first_beat, seed=song_seed)
    renderer = Renderer(index=MoveIndex(playable(load_library(library))), cache_dir=cache_dir, cpus=2)
    request = RenderRequest(song=song.path, destination=folder / "out.mp4", output=output, seed=seed)
    return song, renderer, renderer.render(request, progress)
