"""`make bench` (beat): do the dancers step on the song's beat? The tracker, the "1", clip grids, renders, cuts.

Every figure is measured against something other than the product's own grid:
- generated songs: their true beats and "1"s;
- real bachata: songs assembled from 8-counts of clips whose bass and dancers both confirm their beats
  (ray_pipeline.real_music), so their beats are known;
- rendered videos: the dancers' steps read from the pictures (ray_pipeline.beat_check), per segment against
  the same clip's steps on its own music;
- negative controls that must fail: librosa's own tracker (what the product used until now) on the same songs,
  and every render checked again with its audio half a beat late.
``--baseline DIR`` also renders the same songs with another checkout (e.g. the previous release) and checks them.
Writes JSON under benchmarks/results/ and prints a table. Reports against the targets; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import cv2
import librosa
import numpy as np
import soundfile

from bachata_common.settings import get_settings
from benchmarks import save_report
from ray_pipeline.beat_check import Segment, check_video, clip_lock
from ray_pipeline.beats import COUNTS_PER_PHRASE, bass_on_beat, fold_tempo, onsets, track_beats
from ray_pipeline.clip_analysis import ClipAnalysis
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveIndex, load_library, playable
from ray_pipeline.media import decode_audio
from ray_pipeline.metrics import beat_f_measure
from ray_pipeline.phase import Lock, wrap
from ray_pipeline.pipeline import Renderer, RenderRequest
from ray_pipeline.real_music import assemble, verified
from ray_pipeline.runtime import ray_runtime
from ray_pipeline.steps import read_frames
from ray_pipeline.synthetic import SAMPLE_RATE, song_samples

REAL_SONGS = [(110, 1), (118, 2), (127, 3), (127, 4), (132, 5), (136, 6)]  # (BPM, seed), 150 s, 1.5 % drift
GENERATED = [(100, 0.4), (118, 1.3), (128, 0.4), (136, 0.9), (150, 1.3)]  # (BPM, first beat), 60 s
RENDER_SECONDS = 180.0
QUALITY_KEPT = ("tempo_fit_max", "variety", "energy_fit", "dancers_on_beat", "song_bass_on_beat", "one_confidence")
TARGETS = {"on_beat": 0.95, "beat_f_measure": 0.98, "one_on_true_one": 0.90, "half_beat_slips": 0}


def old_tracker(samples: np.ndarray, sr: int) -> np.ndarray:
    """What the product used until now: librosa's tracker on its usual onset envelope."""
    envelope = librosa.onset.onset_strength(y=samples, sr=sr, hop_length=512)
    _, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=sr, hop_length=512, start_bpm=125.0, units="time")
    return beats


def slips(detected: np.ndarray, truth: np.ndarray) -> tuple[float, int]:
    """Share of true beats nearer the off-beat than a detected beat, and how many 8-counts hold such a beat."""
    period = float(np.median(np.diff(truth)))
    nearest = np.array([detected[np.argmin(np.abs(detected - beat))] for beat in truth]) if detected.size else truth
    off = np.abs(nearest - truth) > 0.25 * period
    return float(off.mean()), int(sum(off[i : i + COUNTS_PER_PHRASE].any() for i in range(0, off.size, 8)))


def tracking_row(kind: str, label: str, samples: np.ndarray, sr: int, beats: np.ndarray, ones: np.ndarray) -> dict:
    grid = track_beats(samples, sr)
    before = old_tracker(samples, sr)
    share, windows = slips(grid.beats, beats)
    old_share, old_windows = slips(before, beats)
    on_ones = [float(np.min(np.abs(ones - grid.beats[i]))) <= 0.07 for i in grid.ones]
    return {
        "kind": kind,
        "song": label,
        "f_measure": round(beat_f_measure(grid.beats, beats), 4),
        "half_beat_slips": round(share, 4),
        "slipped_8_counts": windows,
        "tempo_error_bpm": round(abs(grid.tempo - 60 / float(np.median(np.diff(beats)))), 3),
        "ones_on_true_ones": round(float(np.mean(on_ones)) if on_ones else 0.0, 4),
        "one_confidence": grid.one_confidence,
        "before": {
            "f_measure": round(beat_f_measure(before, beats), 4),
            "half_beat_slips": round(old_share, 4),
            "slipped_8_counts": old_windows,
        },
    }


def off_before(path: Path, analysis: ClipAnalysis) -> bool | None:
    """Was the grid the product used before (librosa's, on the clip's music) half a beat off the verified one?"""
    before = old_tracker(decode_audio(path), SAMPLE_RATE)
    if len(before) < 4 or len(analysis.beats) < 4 or analysis.tempo <= 0:
        return None
    if abs(fold_tempo(60.0 / float(np.median(np.diff(before)))) / analysis.tempo - 1) > 0.03:
        return None  # a different tempo: its phase says nothing
    beats, period = np.asarray(analysis.beats), 60.0 / analysis.tempo
    offsets = np.array([wrap((b - beats[np.argmin(np.abs(beats - b))]) / period) for b in before])
    return abs(float(np.angle(np.mean(np.exp(2j * np.pi * offsets))) / (2 * np.pi))) > 0.25


def library_report(analyses: dict[Path, ClipAnalysis]) -> dict:
    """What verification found, and how far the grids the product used before were from the verified ones."""
    before = {path: off_before(path, analysis) for path, analysis in analyses.items()}
    values = list(analyses.values())
    return {
        "clips": len(values),
        "locked": sum(a.timing == "locked" for a in values),
        "loose": sum(a.timing == "loose" for a in values),
        "dancers_agree": sum(a.dancers_agree for a in values),
        "corrected": {path.stem: a.correction for path, a in analyses.items() if a.correction != "none"},
        "before_compared": sum(flag is not None for flag in before.values()),
        "half_a_beat_off_before": sorted(path.stem for path, flag in before.items() if flag),
        "one_confidence_median": round(float(np.median([a.one_confidence for a in values])), 3),
    }


def picture_change(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """How much two RGB frames differ: mean grey difference of the blurred pictures, and of their colours (0-1)."""
    grey = [
        cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (5, 5), 0).astype(float) for frame in (before, after)
    ]
    hue_saturation = [
        cv2.calcHist([cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)], [0, 1], None, [16, 8], [0, 180, 0, 256]).ravel()
        for frame in (before, after)
    ]
    colours = 0.5 * np.abs(hue_saturation[0] / hue_saturation[0].sum() - hue_saturation[1] / hue_saturation[1].sum())
    return float(np.abs(grey[0] - grey[1]).mean() / 255), float(colours.sum())


def cut_jumps(video: Path, cuts: list[float]) -> dict:
    """Median change of the picture across the cuts, read from the rendered frames (not from our looks)."""
    frames = read_frames(video)
    changes = []
    for cut in cuts:
        after = int(np.searchsorted(frames.times, cut - 1e-3))
        if 0 < after < len(frames.times):
            changes.append(picture_change(frames.colour[after - 1], frames.colour[after]))
    grey, colours = zip(*changes, strict=True) if changes else ((), ())
    return {"grey": round(float(np.median(grey)), 4), "colours": round(float(np.median(colours)), 4)} if changes else {}


def check_render(video: Path, summary: dict, truth: tuple[np.ndarray, np.ndarray], clip_locks: dict[str, Lock]) -> dict:
    """The on-beat check of one render, and of the same render with its audio half a beat late."""
    beats, ones = truth
    segments = [Segment(s["start"], s["end"], s["clip"]) for s in summary["segments"]]
    starts = [s.start for s in segments[1:]]  # the first move starts with the song, before its first "1"
    period = float(np.median(np.diff(beats)))
    right = check_video(video, beats, segments, clip_locks)
    late = check_video(video, beats + period / 2, segments, clip_locks)
    return {
        "segments": len(segments),
        "judged": len(right.judged),
        "on_beat": right.on_beat_share,
        "offsets": [round(c.offset, 3) for c in right.judged],
        "audio_half_a_beat_late": {"judged": len(late.judged), "on_beat": late.on_beat_share},
        "moves_on_true_ones": round(float(np.mean([np.min(np.abs(ones - t)) <= 0.07 for t in starts])), 3),
        "cut_jump_pictures": cut_jumps(video, starts),
        "median_cut_jump_looks": summary["quality"]["median_cut_jump"],
        "quality": {key: summary["quality"].get(key) for key in QUALITY_KEPT},
    }


def baseline_render(checkout: Path, song: Path, out: Path, seed: int) -> dict:
    """Render ``song`` with another checkout's CLI (same environment), for a side-by-side check."""
    summary = out.with_suffix(".summary.json")
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "VAR_DIR": str(out.parent / "baseline-var"),
        "LIBRARY_DIR": str(get_settings().library_dir),
    }
    options = ["--size", "640x360", "--cpus", "2", "--seed", str(seed), "--summary-json", str(summary)]
    command = [sys.executable, "-m", "ray_pipeline.cli", str(song), "--out", str(out), *options]
    finished = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"the baseline's render failed:\n{finished.stderr[-2000:]}")
    summary_data = json.loads(summary.read_text())
    summary_data["quality"].setdefault("median_cut_jump", None)
    return summary_data


class Bench:
    """The library, its analyses and the renderer every measurement shares."""

    def __init__(self, renderer: Renderer, clips: list, scratch: Path):
        self.renderer, self.scratch = renderer, scratch
        self.paths = {clip.clip_id: clip.path for clip in clips}
        self.paths.setdefault("paseala", self.paths.get("bolero_paseala"))  # the id both clips had before
        analyses = renderer.clip_analyses(clips)
        self.analyses = {self.paths[clip_id]: analysis for clip_id, analysis in analyses.items()}

    def clip_locks(self, summary: dict) -> dict[str, Lock]:
        """Each rendered clip's steps on its own music (its verified grid), for the check."""
        clip_ids = {segment["clip"] for segment in summary["segments"]}
        return {i: clip_lock(self.paths[i], np.asarray(self.analyses[self.paths[i]].beats)) for i in clip_ids}

    def renders(self, label: str, samples: np.ndarray, sr: int, truth: tuple, baseline: Path | None) -> list:
        """This product's render (with and without looks at cuts), and the baseline's, each checked."""
        song = self.scratch / f"{label.split()[0]}.wav"
        soundfile.write(song, samples, sr)
        rows = []
        for flow in (True, False):
            out = self.scratch / f"{label.split()[0]}-{flow}.mp4"
            request = RenderRequest(song=song, destination=out, output=OutputFormat(640, 360), seed=1, flow=flow)
            summary = self.renderer.render(request, lambda *_: None).summary
            name = "this" if flow else "this, cuts ignoring looks"
            rows.append({"song": label, "render": name, **check_render(out, summary, truth, self.clip_locks(summary))})
        if baseline:
            out = self.scratch / f"{label.split()[0]}-baseline.mp4"
            summary = baseline_render(baseline, song, out, seed=1)
            check = check_render(out, summary, truth, self.clip_locks(summary))
            rows.append(
                {"song": label, "render": f"baseline {baseline.name}", **check, **self.flags(out, song, summary)}
            )
        return rows

    def flags(self, video: Path, song: Path, summary: dict) -> dict:
        """The figures our quality block would have reported for another pipeline's render: would they flag it?"""
        grid = np.asarray(json.loads(video.with_suffix(".json").read_text())["beats"])
        clip_ids = [segment["clip"] for segment in summary["segments"]]
        off = [off_before(self.paths[i], self.analyses[self.paths[i]]) for i in clip_ids]
        return {
            "would_report": {
                "song_bass_on_beat": round(bass_on_beat(grid, onsets(decode_audio(song), SAMPLE_RATE)), 3),
                "moves_on_a_clip_grid_half_a_beat_off": sum(bool(flag) for flag in off),
                "moves": len(clip_ids),
            }
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to render the same songs with, for comparison")
    args = parser.parse_args()
    settings = get_settings()
    clips = playable(load_library(settings.library_dir))
    with ray_runtime(2), tempfile.TemporaryDirectory(prefix="bench-beat-") as scratch:
        print(f"analysing {len(clips)} clips ...", file=sys.stderr, flush=True)
        renderer = Renderer(index=MoveIndex(clips), cache_dir=settings.cache_dir, cpus=2)
        bench = Bench(renderer, clips, Path(scratch))
        confirmed = verified(bench.analyses)
        tracking = []
        for bpm, seed in REAL_SONGS:
            song = assemble(confirmed, bpm=bpm, seconds=150, seed=seed)
            tracking.append(tracking_row("real", f"{bpm} BPM #{seed}", song.samples, song.sr, song.beats, song.ones))
        for bpm, first_beat in GENERATED:
            samples, beats, ones, _ = song_samples(bpm=bpm, duration=60, first_beat=first_beat, seed=bpm)
            tracking.append(tracking_row("generated", f"{bpm} BPM", samples, SAMPLE_RATE, beats, ones))
        print("tracking measured; rendering and checking ...", file=sys.stderr, flush=True)
        generated, beats, ones, _ = song_samples(bpm=127, duration=RENDER_SECONDS, first_beat=0.7, seed=9)
        real = assemble(confirmed, bpm=129, seconds=RENDER_SECONDS, seed=11)
        renders = bench.renders("generated 127 BPM", generated, SAMPLE_RATE, (beats, ones), args.baseline)
        renders += bench.renders("real 129 BPM", real.samples, real.sr, (real.beats, real.ones), args.baseline)
        report = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "library": str(settings.library_dir),
            "library_verification": library_report(bench.analyses),
            "tracking": tracking,
            "renders": renders,
            "targets": TARGETS,
        }
    path = save_report("beat", report)
    print_report(report, path)


def print_report(report: dict, path: Path) -> None:
    library = report["library_verification"]
    print(
        f"\nlibrary: {library['clips']} clips, {library['locked']} locked "
        f"({library['dancers_agree']} with the dancers on the beat), {library['loose']} loose; "
        f"corrected {len(library['corrected'])}; half a beat off before: {len(library['half_a_beat_off_before'])}"
    )
    header = f"{'song':<22} {'F':>6} {'slips':>6} {'8s':>3} {'1s':>5} {'sure':>5}"
    print(f"\n{header} | {'F before':>8} {'slips':>6} {'8s':>3}")
    for row in report["tracking"]:
        now = (
            f"{row['kind'][:4]} {row['song']:<17} {row['f_measure']:>6.3f} {row['half_beat_slips']:>6.3f} "
            f"{row['slipped_8_counts']:>3} {row['ones_on_true_ones']:>5.2f} {row['one_confidence']:>5.2f}"
        )
        before = row["before"]
        print(f"{now} | {before['f_measure']:>8.3f} {before['half_beat_slips']:>6.3f} {before['slipped_8_counts']:>3}")
    columns = f"{'song':<18} {'render':<28} {'judged':>9} {'on beat':>8} {'late audio':>10}"
    print(f"\n{columns}  cut jump: grey / colours / looks")
    for row in report["renders"]:
        late = row["audio_half_a_beat_late"]
        judged = f"{row['judged']}/{row['segments']}"
        pictures = row["cut_jump_pictures"]
        jumps = f"{pictures.get('grey')} / {pictures.get('colours')} / {row['median_cut_jump_looks']}"
        print(
            f"{row['song']:<18} {row['render']:<28} {judged:>9} {row['on_beat'] or 0:>8.0%} "
            f"{late['on_beat'] or 0:>10.0%}  {jumps}"
        )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
