"""`make bench`: end-to-end render time and memory for a generated 3-minute song (beat quality: bench_beat).

Runs the real `render` command (Ray, ffmpeg, the configured move library) at 720p and 360p with 1 and 2 CPUs,
each cold (fresh numba and render caches), warm on a new song, and warm repeating the same song. Samples the
peak resident memory of the whole process tree (driver + Ray workers + ffmpeg). Writes JSON under
benchmarks/results/ and prints a table. Reports against the targets; asserts nothing.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bachata_common.settings import get_settings
from ray_pipeline.synthetic import make_song

RESULTS = Path(__file__).resolve().parent / "results"
SONG_SECONDS = 180.0
SIZES = ["1280x720", "640x360"]
CPUS = [1, 2]


def peak_tree_rss(process: subprocess.Popen, samples: list[int]) -> None:
    """Sum the RSS of the process and all its descendants every 100 ms until it exits."""
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            samples.append(sum(m.memory_info().rss for m in members if m.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)


def run_render(song: Path, out: Path, *, size: str, cpus: int, env: dict[str, str]) -> dict:
    summary_path = out.with_suffix(".summary.json")
    command = [
        sys.executable,
        "-m",
        "ray_pipeline.cli",
        str(song),
        "--out",
        str(out),
        "--size",
        size,
        "--cpus",
        str(cpus),
        "--summary-json",
        str(summary_path),
    ]
    rss: list[int] = []
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = threading.Thread(target=peak_tree_rss, args=(process, rss))
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"render failed ({process.returncode}):\n{stdout}\n{stderr[-2000:]}")
    summary = json.loads(summary_path.read_text())
    return {
        "wall_seconds": round(wall, 2),
        "peak_rss_mib": round(max(rss, default=0) / 2**20, 1),
        "stages": summary["timings"],
        "quality": summary["quality"],
        "tempo": summary["tempo"],
        "segments": len(summary["segments"]),
        "segments_from_cache": summary["segments_from_cache"],
    }


def main() -> None:
    library = get_settings().library_dir
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        songs = [
            make_song(scratch / f"song{i}.wav", bpm=bpm, duration=SONG_SECONDS, seed=i).path
            for i, bpm in enumerate((128, 124))
        ]
        for size in SIZES:
            for cpus in CPUS:
                var_dir = scratch / f"var-{size}-{cpus}"
                env = {
                    **os.environ,
                    "VAR_DIR": str(var_dir),
                    "NUMBA_CACHE_DIR": str(var_dir / "numba"),
                    "LIBRARY_DIR": str(library),
                }
                for label, song in (("cold", songs[0]), ("warm, new song", songs[1]), ("warm, same song", songs[1])):
                    print(f"  {size} cpus={cpus} {label} ...", file=sys.stderr, flush=True)
                    result = run_render(song, scratch / f"{size}-{cpus}-{len(runs)}.mp4", size=size, cpus=cpus, env=env)
                    runs.append({"size": size, "cpus": cpus, "run": label, **result})
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "song_seconds": SONG_SECONDS,
        "library": str(library),
        "runs": runs,
        "targets": {
            "warm_720p_2cpu_seconds": 20,
            "cut_on_beat": 1.0,
            "phrase_alignment": 0.95,
            "tempo_fit": 0.02,
            "variety": 0.8,
            "energy_fit": 0.5,
        },
    }
    path = RESULTS / f"render-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\n{'size':<9} {'cpus':>4}  {'run':<16} {'wall s':>7} {'peak MiB':>9}  stages (s)")
    for run in runs:
        stages = " ".join(f"{k[:4]}={v:.1f}" for k, v in run["stages"].items() if k != "total")
        print(
            f"{run['size']:<9} {run['cpus']:>4}  {run['run']:<16} {run['wall_seconds']:>7.1f} "
            f"{run['peak_rss_mib']:>9.0f}  {stages}"
        )
    quality = runs[-1]["quality"]
    print(f"\nquality (last run): {quality}")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
