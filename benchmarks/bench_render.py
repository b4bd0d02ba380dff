"""`make bench` (render): click-to-video time of the whole `render` process, against the original's assembly.

On production-size clips (the library scaled to 1280x720 once, as the bucket holds it), this prepares the
library for landscape and portrait (time and size, once per deploy), then renders a new generated 3-minute
song per run (no cache but the prepared library and clip analyses) at 1 and 2 CPUs in both formats, each
render joining a standing Ray node as the local launcher runs them (and, for comparison, starting a Ray
runtime of its own), timing the whole process and sampling the peak memory of its process tree (driver,
hearing, ffmpeg) plus the node's growth (the workers that ran its tasks). In the same run a replay of the
original app's assembly (benchmarks/original_assembly.py) re-encodes the clips of the first joined 2-CPU
landscape render for the same song. Medians of RUNS runs. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bachata_common.settings import PROJECT_ROOT, get_settings
from benchmarks import save_report
from benchmarks.original_assembly import assemble
from job_launcher.ray_node import RayNode
from ray_pipeline.library import load_library, playable
from ray_pipeline.synthetic import make_library, make_song
from tests.support.processes import session_members

PRODUCTION_LIBRARY = PROJECT_ROOT / "var" / "bench" / "library-1280x720"  # kept between runs: made once
SONG_SECONDS = 180.0
SIZES = ["1280x720", "720x1280"]
CPUS = [1, 2]
RUNS = 3
TARGETS = {"render_wall_seconds": 8.0, "pipeline_seconds": 4.0, "peak_rss_mib": 1024, "faster_than_original": 5.0}


def _tree(root: psutil.Process) -> list[psutil.Process]:
    return [root, *root.children(recursive=True)]


def _rss(members: list[psutil.Process]) -> int:
    total = 0
    for member in members:
        with suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def peak_tree_rss(process: subprocess.Popen, samples: list[int], node_session: int | None = None) -> None:
    """Every 50 ms until it exits: the RSS of the process and its descendants, plus what the standing node it
    joined grew by since it started (the node's workers that run its tasks)."""
    root = psutil.Process(process.pid)
    idle = _rss(session_members(node_session)) if node_session else 0
    while process.poll() is None:
        try:
            node = _rss(session_members(node_session)) - idle if node_session else 0
            samples.append(_rss(_tree(root)) + max(0, node))
        except psutil.Error:
            pass
        time.sleep(0.05)


def run(command: list[str], env: dict[str, str], node_session: int | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (tree, plus the node's growth) and stdout of a command."""
    rss: list[int] = []
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=peak_tree_rss, args=(process, rss, node_session))
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{command[2]} failed ({process.returncode}):\n{stdout}\n{stderr[-2000:]}")
    return time.perf_counter() - started, max(rss, default=0), stdout


def production_library() -> Path:
    """The move library at the bucket's 1280x720 (scaled up once and kept), or a generated one at that size."""
    if (PRODUCTION_LIBRARY / "move_embeddings.json").exists():
        return PRODUCTION_LIBRARY
    source = get_settings().library_dir
    if not (source / "move_embeddings.json").exists():
        return make_library(PRODUCTION_LIBRARY, size="1280x720")
    for clip in playable(load_library(source)):
        target = PRODUCTION_LIBRARY / "Bachata_steps" / clip.path.relative_to(source / "Bachata_steps")
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(clip.path), "-vf", "scale=1280:720", "-c:v", "libx264",
             "-preset", "veryfast", "-crf", "20", "-c:a", "aac", "-ac", "2", str(target)],
            check=True,
        )  # fmt: skip
    for name in ("bachata_annotations.json", "move_embeddings.json"):
        (PRODUCTION_LIBRARY / name).write_bytes((source / name).read_bytes())
    return PRODUCTION_LIBRARY


def render(
    song: Path, out: Path, *, size: str, cpus: int, env: dict[str, str], seed: int, node: RayNode | None
) -> dict:
    summary_path = out.with_suffix(".summary.json")
    options = ["--size", size, "--cpus", str(cpus), "--seed", str(seed), "--summary-json", str(summary_path)]
    if node is not None:
        options += ["--ray-node", node.address]
    command = [sys.executable, "-m", "ray_pipeline.cli", str(song), "--out", str(out), *options]
    wall, rss, _ = run(command, env, node.pid if node is not None else None)
    summary = json.loads(summary_path.read_text())
    timings = summary["timings"]
    startup = timings.pop("startup")
    pipeline = timings.pop("total")
    return {
        "song": str(song),
        "wall_seconds": round(wall, 2),
        "pipeline_seconds": pipeline,
        "peak_rss_mib": round(rss / 2**20, 1),
        "stages": timings,
        # Interpreter start and imports: what the process spent outside the library, Ray and the pipeline.
        "startup": {"imports_and_exit": round(wall - pipeline - sum(startup.values()), 2), **startup},
        "segments": [(s["clip"], s["end"] - s["start"]) for s in summary["segments"]],
        "quality": summary["quality"],
    }


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 2)


def prepare_library(library: Path, env: dict[str, str]) -> dict:
    """Prepare every clip for every format in a fresh cache: the once-per-deploy cost."""
    formats = [arg for size in SIZES for arg in ("--format", size)]
    command = [sys.executable, "-m", "ray_pipeline.library_cli", "prepare", "--library", str(library), *formats]
    wall, rss, stdout = run([*command, "--cpus", "2"], env)
    return {"wall_seconds": round(wall, 1), "peak_rss_mib": round(rss / 2**20), "report": stdout.strip()}


@contextmanager
def standing_node(cpus: int, env: dict[str, str]) -> Iterator[RayNode]:
    """The Ray node the local launcher keeps for its renders, with ``cpus`` CPUs; stopped afterwards."""
    node = RayNode(cpus=cpus, cwd=PROJECT_ROOT, log_path=None)
    node.start(env, on_settled=lambda: None)
    try:
        if not (node.wait_until_settled(120) and node.usable()):
            raise SystemExit("the standing Ray node did not start")
        yield node
    finally:
        node.stop()


def render_runs(scratch: Path, env: dict[str, str]) -> list[dict]:
    """RUNS renders of new songs per mode, size and CPU count, with the medians.

    Joined: each render joins a standing node (as the API's local launcher and the production cluster run
    them); its memory is its own processes plus what the node grew by. Own runtime: each render starts and
    stops a private Ray runtime (the `render` command without --ray-node), 1280x720 only.
    """
    results, seed = [], 0
    plan = [("joined", size, cpus) for size in SIZES for cpus in CPUS] + [("own runtime", "1280x720", c) for c in CPUS]
    for mode, size, cpus in plan:
        with ExitStack() as stack:
            node = stack.enter_context(standing_node(cpus, env)) if mode == "joined" else None
            idle = round(_rss(session_members(node.pid)) / 2**20) if node else 0
            runs = []
            for _ in range(RUNS):
                seed += 1
                song = make_song(scratch / f"song{seed}.wav", bpm=118 + seed % 15, duration=SONG_SECONDS, seed=seed)
                print(f"  {mode} {size} cpus={cpus} song {seed} ...", file=sys.stderr, flush=True)
                out = scratch / f"out{seed}.mp4"
                runs.append(render(song.path, out, size=size, cpus=cpus, env=env, seed=seed, node=node))
        medians = {key: median_of(runs, key) for key in ("wall_seconds", "pipeline_seconds", "peak_rss_mib")}
        results.append({"mode": mode, "size": size, "cpus": cpus, **medians, "node_idle_mib": idle, "runs": runs})
    return results


def main() -> None:
    library = production_library()
    clips = {c.clip_id: c.path for c in playable(load_library(library))}
    with tempfile.TemporaryDirectory(prefix="bench-render-") as scratch_dir:
        scratch = Path(scratch_dir)
        env = {**os.environ, "VAR_DIR": str(scratch / "var"), "LIBRARY_DIR": str(library)}
        print(f"preparing {len(clips)} clips for {', '.join(SIZES)} ...", file=sys.stderr, flush=True)
        preparation = prepare_library(library, env)
        results = render_runs(scratch, env)
        ours = next(r for r in results if r["mode"] == "joined" and r["size"] == "1280x720" and r["cpus"] == 2)["runs"][
            0
        ]
        print("replaying the original's assembly ...", file=sys.stderr, flush=True)
        chosen = [(clips[clip], seconds) for clip, seconds in ours["segments"]]
        replay = assemble(chosen, Path(ours["song"]), scratch / "original.mp4")
    original = {
        "assembly_seconds": round(replay, 1),
        "ours_seconds": ours["wall_seconds"],
        "ratio": round(replay / ours["wall_seconds"], 1),
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "song_seconds": SONG_SECONDS,
        "library": str(library),
        "preparation": preparation,
        "renders": results,
        "original_assembly": original,
        "targets": TARGETS,
    }
    path = save_report("render", report)
    print_report(report, path)


def print_report(report: dict, path: Path) -> None:
    preparation = report["preparation"]
    print(f"\npreparation: {preparation['report']} (whole command {preparation['wall_seconds']} s)")
    print(f"\n{'mode':<11} {'size':<9} {'cpus':>4} {'wall s':>7} {'pipeline':>8} {'peak MiB':>9} {'node MiB':>8}"
          "  first run: stages, startup (s)")  # fmt: skip
    for row in report["renders"]:
        first = row["runs"][0]
        detail = " ".join(f"{k}={v:.2f}" for k, v in {**first["stages"], **first["startup"]}.items())
        medians = f"{row['wall_seconds']:>7.2f} {row['pipeline_seconds']:>8.2f} {row['peak_rss_mib']:>9.0f}"
        print(f"{row['mode']:<11} {row['size']:<9} {row['cpus']:>4} {medians} {row['node_idle_mib']:>8}  {detail}")
    original = report["original_assembly"]
    print(
        f"\noriginal's assembly of the same song and clips: {original['assembly_seconds']} s; "
        f"our whole render: {original['ours_seconds']} s ({original['ratio']}x faster)"
    )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
