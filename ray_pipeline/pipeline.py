"""The render as a library call: analyse → match → cut → mux, fanned out on the local Ray runtime."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import ray

from ray_pipeline.analysis import Section, energy_levels, sections, span_loudness
from ray_pipeline.beats import BeatGrid
from ray_pipeline.clip_analysis import ClipAnalysis, ClipAnalysisCache, analyse_clip
from ray_pipeline.errors import RenderError
from ray_pipeline.fanout import Outcome, batches, each_path, fan_out
from ray_pipeline.formats import OutputFormat
from ray_pipeline.library import MoveClip, SearchIndex
from ray_pipeline.listening import Listening, audio_beside
from ray_pipeline.matching import Candidate, Move, Phrase, PoseVerifier, plan_moves
from ray_pipeline.metrics import quality
from ray_pipeline.prepared import PreparedLibrary, prepare_clip
from ray_pipeline.remux import Packets, Piece, cut_batch, mux
from ray_pipeline.render import pieces, webvtt
from ray_pipeline.warm import node_cutters

log = logging.getLogger(__name__)

# Progress bands per stage (percent), as the original UI expects them to rise.
BANDS = {"analyzing": (10, 30), "selecting": (30, 45), "generating": (45, 90), "finalizing": (90, 100)}

Progress = Callable[[str, int, str], None]


@dataclass(frozen=True)
class RenderRequest:
    """One song to turn into a choreography video."""

    song: Path
    destination: Path  # the .mp4; the .vtt and .json land beside it
    difficulty: str = "intermediate"
    energy_level: str | None = None
    style: str | None = None
    output: OutputFormat = field(default_factory=lambda: OutputFormat(1280, 720))
    seed: int = 0
    flow: bool = True  # weigh how the couple looks across cuts (off only to compare with choices that ignore it)


@dataclass(frozen=True)
class SongAnalysis:
    """What the analysis stage hands to matching and stitching."""

    duration: float
    grid: BeatGrid
    phrases: list[Phrase]
    embedding: np.ndarray
    sections: list[Section]
    energy_curve: list[float]  # 0-1, four values a second


@dataclass
class RenderOutcome:
    """The files made and everything worth reporting about them."""

    video: Path
    subtitles: Path
    metadata: Path
    summary: dict


@ray.remote
def _analyse_clips(paths: list[str]) -> list[Outcome]:
    return each_path(lambda path: analyse_clip(Path(path)), paths)  # a broken clip is just not offered


@ray.remote
def _prepare_clips(paths: list[str], work: dict[str, tuple[ClipAnalysis, OutputFormat, str]]) -> list[Outcome]:
    return each_path(lambda path: prepare_clip(Path(path), work[path][0], work[path][1], Path(work[path][2])), paths)


_cut = ray.remote(cut_batch)  # in the render's own workers, where the Ray node has no warm cutters


class Renderer:
    """Holds the move index and caches; ``render`` turns one request into a video."""

    def __init__(
        self,
        *,
        index: SearchIndex,
        cache_dir: Path,
        cpus: int,
        library: list[MoveClip] | None = None,
        verifier: PoseVerifier | None = None,
        prepared: PreparedLibrary | None = None,
    ):
        self.index = index
        self.library = library if library is not None else index.clips
        self.cache_dir = cache_dir
        self.cpus = cpus
        self.verifier = verifier
        self.clip_cache = ClipAnalysisCache(cache_dir / "clips")
        self.prepared = prepared or PreparedLibrary(cache_dir)
        self.timings: dict[str, float] = {}
        self.worker_pids: set[int] = set()

    @contextmanager
    def _stage(self, name: str, progress: Progress, message: str) -> Iterator[None]:
        progress(name, BANDS[name][0], message)
        started = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - started, 3)

    def render(self, request: RenderRequest, progress: Progress, listening: Listening | None = None) -> RenderOutcome:
        """The video, its count track and its metadata; ``listening`` is the song already being heard, if started."""
        with ExitStack() as stack:
            if listening is None:
                listening = stack.enter_context(Listening(request.song, audio_beside(request.destination)))
            return self._render(request, progress, listening)

    def _render(self, request: RenderRequest, progress: Progress, listening: Listening) -> RenderOutcome:
        self.timings = {}
        started = time.perf_counter()
        with self._stage("analyzing", progress, "Analyzing the music..."):
            song = self._analyse(listening)
        with self._stage("selecting", progress, "Selecting dance moves..."):
            candidates, filters = self._candidates(song.embedding, request)
            moves = plan_moves(
                phrases=song.phrases,
                candidates=candidates,
                song_tempo=song.grid.tempo,
                duration=song.duration,
                seed=request.seed,
                style=request.style,
                verifier=self.verifier,
                flow=request.flow,
            )
        destination = request.destination
        with self._stage("generating", progress, "Generating the video..."):
            packets, template = self._cut_moves(moves, request.output, progress)
        with self._stage("finalizing", progress, "Finalizing the video..."):
            destination.parent.mkdir(parents=True, exist_ok=True)
            mux(packets, template=template, audio=listening.audio(), duration=song.duration, destination=destination)
            subtitles = destination.with_suffix(".vtt")
            subtitles.write_text(self._subtitles(song.grid, moves, song.duration))
            summary = self._summary(song, moves, candidates, filters, request)
            metadata = destination.with_suffix(".json")
            metadata.write_text(
                json.dumps(
                    {
                        **summary,
                        "energy_curve": {"rate": 4.0, "values": song.energy_curve},
                        "beats": [round(float(b), 3) for b in song.grid.beats],
                    }
                )
            )
        summary["timings"] = {**self.timings, "total": round(time.perf_counter() - started, 3)}
        return RenderOutcome(video=request.destination, subtitles=subtitles, metadata=metadata, summary=summary)

    def _analyse(self, listening: Listening) -> SongAnalysis:
        """Beats, tempo, loudness and the 128-d embedding as heard, and each 8-count's loudness."""
        heard = listening.heard()
        grid = heard.grid
        spans = [(a, b) for a, b in grid.phrase_spans() if grid.beat_time(b) <= heard.duration]
        bounds = [(grid.beat_time(a), grid.beat_time(b)) for a, b in spans]
        phrase_energy = span_loudness(heard.samples, heard.sr, bounds)
        levels = energy_levels(phrase_energy)
        phrases = [
            Phrase(index=i, first_beat=a, start=start, end=end, energy=float(e), level=level, beats=b - a)
            for i, ((a, b), (start, end), e, level) in enumerate(zip(spans, bounds, phrase_energy, levels, strict=True))
        ]
        return SongAnalysis(
            duration=heard.duration,
            grid=grid,
            phrases=phrases,
            embedding=listening.embedding(),
            sections=sections(bounds, phrase_energy),
            energy_curve=heard.energy_curve,
        )

    def _candidates(self, embedding: np.ndarray, request: RenderRequest) -> tuple[list[Candidate], dict]:
        hits, filters = self.index.candidates(
            embedding, difficulty=request.difficulty, energy_level=request.energy_level
        )
        # Intros and outros frame every choreography, whatever level the dancer asked for.
        present = {clip.clip_id for clip, _ in hits}
        framing = [c for c in self.library if c.move_label in ("intros", "outro") and c.clip_id not in present]
        scored = hits + [(clip, 0.0) for clip in framing]
        analyses = self.clip_analyses([clip for clip, _ in scored])
        if self.verifier is not None:
            self.verifier.prepare([clip for clip, _ in scored if clip.clip_id in analyses])
        candidates = [
            Candidate(clip, analyses[clip.clip_id], score) for clip, score in scored if clip.clip_id in analyses
        ]
        return candidates, filters

    def clip_analyses(self, clips: list[MoveClip]) -> dict[str, ClipAnalysis]:
        """Each clip's analysis by id, from the cache or computed in Ray tasks (a broken clip is left out)."""
        found = {clip.clip_id: self.clip_cache.get(clip.path) for clip in clips if clip.path.exists()}
        todo = [clip for clip in clips if clip.clip_id in found and found[clip.clip_id] is None]
        if todo:
            by_path = {str(clip.path): clip for clip in todo}
            for path, analysis, error in fan_out(_analyse_clips, list(by_path), 2 * self.cpus):
                if analysis is None:
                    log.warning("could not analyse clip %s: %s", path, error)
                    continue
                self.clip_cache.put(Path(path), analysis)
                found[by_path[path].clip_id] = analysis
        return {clip_id: analysis for clip_id, analysis in found.items() if analysis is not None}

    def prepare(
        self,
        clips: list[tuple[MoveClip, ClipAnalysis]],
        output: OutputFormat,
        prepared: Callable[[int, int], None] = lambda done, total: None,
    ) -> dict[str, Path]:
        """Each clip's prepared copy for ``output`` by id: found, fetched, or encoded now in Ray tasks.

        ``prepared(done, total)`` hears about every clip encoded here.
        """
        found = {clip.clip_id: self.prepared.find(analysis, output) for clip, analysis in clips}
        todo = {str(clip.path): (clip, analysis) for clip, analysis in clips if found[clip.clip_id] is None}
        if todo:
            work = {path: (a, output, str(self.prepared.path(a, output))) for path, (_, a) in todo.items()}
            # Small batches, so progress moves and a whole library spreads evenly over the CPUs.
            outcomes = fan_out(_prepare_clips, list(todo), max(self.cpus, len(todo) // 2), ray.put(work))
            for done, (path, target, error) in enumerate(outcomes, start=1):
                if target is None:
                    raise RenderError("Video generation failed", cause=f"could not prepare {path}: {error}")
                clip, analysis = todo[path]
                self.prepared.publish(analysis, output)
                found[clip.clip_id] = Path(target)
                prepared(done, len(todo))
        return found

    def _cut_moves(self, moves: list[Move], output: OutputFormat, progress: Progress) -> tuple[list[Packets], Path]:
        """Every move's packets, retimed to the song, cut from its prepared clip in Ray tasks; and a template clip."""

        def report(done: int, total: int) -> None:
            progress("generating", BANDS["generating"][0], f"Preparing new moves for {output}... ({done}/{total})")

        prepared = self.prepare([(m.clip, m.analysis) for m in moves], output, report)
        batched = batches(pieces(moves, prepared), self.cpus)
        cutters = node_cutters()

        def submit(index: int, batch: list[Piece]) -> ray.ObjectRef:
            return cutters[index % len(cutters)].cut.remote(batch) if cutters else _cut.remote(batch)

        pending = {submit(index, batch): index for index, batch in enumerate(batched)}
        parts: dict[int, list[Packets]] = {}
        low, high = BANDS["generating"]
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                parts[pending.pop(ref)], pid = ray.get(ref)
                self.worker_pids.add(pid)
            cut_so_far = sum(len(part) for part in parts.values())
            message = f"Generating the video... ({cut_so_far}/{len(moves)} moves)"
            progress("generating", low + (high - low) * len(parts) // len(batched), message)
        ordered = [packets for index in sorted(parts) for packets in parts[index]]
        return ordered, prepared[moves[0].clip.clip_id]

    @staticmethod
    def _subtitles(grid: BeatGrid, moves: list[Move], duration: float) -> str:
        beats = [float(b) for b in grid.beats]
        names = []
        for beat in beats:
            move = next((m for m in moves if m.song_start <= beat < m.song_end), moves[-1])
            names.append(move.clip.name)
        counts = [grid.count_of(i) for i in range(len(beats))]
        return webvtt(beats, counts, names, duration)

    def _summary(
        self,
        song: SongAnalysis,
        moves: list[Move],
        candidates: list[Candidate],
        filters: dict,
        request: RenderRequest,
    ) -> dict:
        grid: BeatGrid = song.grid
        fps = request.output.fps
        segments = [
            {
                "start": round(m.song_start, 3),
                "end": round(m.song_end, 3),
                "clip": m.clip.clip_id,
                "move": m.clip.name,
                "move_label": m.clip.move_label,
                "speed_factor": round(m.speed, 4),
                "clip_tempo": round(m.analysis.tempo, 2),
                "energy_level": m.clip.energy_level,
                "counts": m.counts,
                # What the clip's dancers said about its grid: figures that can disagree with the grid.
                "dancers": {
                    "timing": m.analysis.timing,
                    "step_lock": m.analysis.step_lock,
                    "step_phase": m.analysis.step_phase,
                    "on_beat": m.analysis.dancers_agree,
                    "grid_correction": m.analysis.correction,
                },
            }
            for m in moves
        ]
        return {
            "tempo": round(grid.tempo, 2),
            "beat_count": len(grid.beats),
            "first_downbeat": round(float(grid.beats[grid.first_one]), 3),
            "eight_counts": len(song.phrases),
            "sequence_duration": round(song.duration, 3),
            "moves_analyzed": len(candidates),
            "index_filters": filters,
            "segments": segments,
            "sections": [_section_dict(s) for s in song.sections],
            "quality": quality(grid, moves, song.phrases),
            # Frames keep the clips' 30 fps cadence, retimed to the song: the timing is variable.
            "output": {"width": request.output.width, "height": request.output.height, "fps": fps},
        }


def _section_dict(section: Section) -> dict:
    return {
        "start": round(section.start, 3),
        "end": round(section.end, 3),
        "energy": round(section.energy, 3),
        "level": section.level,
    }
