"""`render SONG --out video.mp4`: the whole pipeline from a terminal, no database needed."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bachata_common.settings import get_settings
from bachata_common.vocabulary import DIFFICULTIES, ENERGY_LEVELS, STYLES
from ray_pipeline.errors import RenderError
from ray_pipeline.formats import OutputFormat
from ray_pipeline.listening import Listening, audio_beside
from ray_pipeline.node import answers

# Ray, the pipeline and the library are imported once the song is being heard (see render): a second of
# imports the hearing need not wait for.


def _parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="render", description="Turn a song into a bachata choreography video.")
    parser.add_argument("song", type=Path, help="audio file (mp3, wav, ogg, m4a, flac)")
    parser.add_argument("--out", type=Path, required=True, help="the MP4 to write (a .vtt and .json land beside)")
    parser.add_argument("--difficulty", choices=DIFFICULTIES, default="intermediate")
    parser.add_argument("--energy", choices=ENERGY_LEVELS, default=None)
    parser.add_argument("--style", choices=STYLES, default=None)
    parser.add_argument("--size", default="1280x720", help="output size, e.g. 1280x720 or 640x360")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs for the local Ray runtime")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same song: same choreography")
    parser.add_argument("--library", type=Path, default=settings.library_dir, help="move library folder")
    parser.add_argument("--summary-json", type=Path, help="also write the full summary as JSON here")
    parser.add_argument(
        "--ray-node",
        default=settings.render_ray_node,
        help="join the Ray node at host:port (python -m ray_pipeline.node) instead of starting one",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run with the Ray dashboard on 127.0.0.1 and write a Ray timeline (<out>.trace.json, chrome://tracing)",
    )
    parser.add_argument("--dashboard-port", type=int, default=8265, help="dashboard port when profiling")
    return parser


class ProgressBar:
    """One line on stderr, redrawn in place: stage, bar, percent, elapsed."""

    def __init__(self, stream=sys.stderr, width: int = 30):
        self.stream, self.width, self.started = stream, width, time.perf_counter()

    def __call__(self, stage: str, percent: int, message: str) -> None:
        filled = self.width * percent // 100
        elapsed = time.perf_counter() - self.started
        line = f"\r{stage:<11} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%  {elapsed:5.1f}s  {message}"
        self.stream.write(line[:120].ljust(120))
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")


def summary_text(summary: dict, video: Path) -> str:
    """The one-screen report: tempo, segments, moves, quality, timings."""
    quality = summary["quality"]
    lines = [
        f"video      {video}  ({summary['output']['width']}x{summary['output']['height']}, "
        f"{summary['sequence_duration']:.1f} s)",
        f"music      {summary['tempo']:.1f} BPM, {summary['beat_count']} beats, "
        f"{summary['eight_counts']} eight-counts, first '1' at {summary['first_downbeat']:.2f} s",
        f"moves      {len(summary['segments'])} segments from {summary['moves_analyzed']} candidates",
    ]
    for segment in summary["segments"]:
        lines.append(
            f"  {segment['start']:7.2f}-{segment['end']:7.2f}  {segment['move']:<40} {segment['clip']:<34}"
            f" x{segment['speed_factor']:.3f}  {segment['dancers']['timing']}"
        )
    lines.append(
        f"quality    cut-on-beat {quality['cut_on_beat']:.0%}, on the 1 {quality['phrase_alignment']:.0%}, "
        f"tempo fit {quality['tempo_fit_max']:.1%}, variety {quality['variety']:.2f}, "
        f"energy fit {quality['energy_fit']}"
    )
    jump = quality["median_cut_jump"]
    lines.append(
        f"checks     dancers on their beat in {quality['dancers_on_beat']:.0%} of moves, "
        f"song's bass on the beat in {quality['song_bass_on_beat']:.0%} of 8-counts, "
        f"'1' sureness {quality['one_confidence']:.0%}, cut jump {'-' if jump is None else f'{jump:.2f}'}"
    )
    lines.append("timings    " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in summary["timings"].items()))
    return "\n".join(lines)


def timeline_path(video: Path) -> Path:
    """Where ``--profile`` writes the Ray timeline: beside the video."""
    return video.with_suffix(".trace.json")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        output = OutputFormat.parse(args.size)
    except ValueError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 2
    if args.cpus < 1:
        print("render: --cpus must be at least 1", file=sys.stderr)
        return 2
    bar = ProgressBar()
    startup: dict[str, float] = {}  # what stands between the command and the first stage, and after the last
    try:
        on_node = answers(args.ray_node)  # the node's warm hearers hear the song
        with Listening(args.song, audio_beside(args.out), on_node=on_node) as listening:  # heard while the rest loads
            outcome, trace = render(args, output, listening, bar, startup)
    except RenderError as exc:
        bar.close()
        print(f"render: {exc.message} ({exc.cause})", file=sys.stderr)
        return 1
    bar.close()
    print(summary_text(outcome.summary, outcome.video))
    if args.profile:
        print(f"timeline   {trace}  (open in chrome://tracing or https://ui.perfetto.dev)")
    if args.summary_json:
        outcome.summary["timings"]["startup"] = startup
        args.summary_json.write_text(json.dumps(outcome.summary, indent=1))
    return 0


def render(args: argparse.Namespace, output: OutputFormat, listening: Listening, bar: ProgressBar, startup: dict):
    """Join or start Ray, load the library and render; the outcome, and the Ray timeline's path if profiling."""
    import ray

    from ray_pipeline.runtime import ray_runtime

    runtime = ray_runtime(
        args.cpus, node=args.ray_node, dashboard=args.profile, dashboard_port=args.dashboard_port, timings=startup
    )
    with runtime:
        listening.begin()  # a node's warm hearers hear the song while the pipeline and the library load
        from ray_pipeline.backends import open_pose_verifier
        from ray_pipeline.library import MoveIndex, load_library, playable
        from ray_pipeline.pipeline import Renderer, RenderRequest

        with timed(startup, "library"):
            clips = playable(load_library(args.library))
        if args.profile:
            print(
                f"Ray dashboard: http://127.0.0.1:{args.dashboard_port} for this run "
                "(Ray asks for the token in ~/.ray/auth_token)",
                file=sys.stderr,
            )
        settings = get_settings()
        renderer = Renderer(
            index=MoveIndex(clips),
            cache_dir=settings.cache_dir,
            cpus=args.cpus,
            verifier=open_pose_verifier(settings, args.cpus),  # POSE_WEIGHTS turns it on
        )
        request = RenderRequest(
            song=args.song,
            destination=args.out,
            difficulty=args.difficulty,
            energy_level=args.energy,
            style=args.style,
            output=output,
            seed=args.seed,
        )
        outcome = renderer.render(request, bar, listening)
        trace = None
        if args.profile:
            trace = timeline_path(args.out)
            ray.timeline(filename=str(trace))
    return outcome, trace


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    """Record how long the block took under ``name``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - started, 3)


if __name__ == "__main__":
    sys.exit(main())
