"""The song heard from the first moment, while Ray starts: decoded in a thread, encoded to AAC by ffmpeg, and
beat-tracked and embedded by two processes of its own, or by the warm hearers of the Ray node it joins.

None of it needs the Ray runtime, which takes seconds to start. The Python-heavy hearing may not run in a thread
of this process meanwhile: Ray forks its processes from here with a Python pre-exec hook, and a fork while
another thread imported numba or compiled with it hung ray.init for good (seen under load). A separate process
(`python -m ray_pipeline.listening PART SONG OUT`) hears in parallel without that hazard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ray_pipeline.analysis import audio_features, energy_curve, with_tempo
from ray_pipeline.beats import BeatGrid, track_beats
from ray_pipeline.errors import BadInput, FFmpegError, RenderError
from ray_pipeline.media import ANALYSIS_SAMPLE_RATE, decode_audio

# glibc hands every large array back to the kernel when it is freed, so each of hearing's large temporaries was
# faulted in afresh: half of a warm hearer's time was the kernel's (~250,000 page faults a part for a 3-minute
# song). Kept in the heap, the memory is reused: hearing takes half the time, and holds its peak between songs.
HEARING_MEMORY = {"MALLOC_MMAP_THRESHOLD_": "4000000000", "MALLOC_TRIM_THRESHOLD_": "4000000000"}
MIN_SONG_SECONDS = 30.0
MAX_SONG_SECONDS = 600.0
AUDIO_BITRATE = "128k"


@dataclass(frozen=True)
class Heard:
    """The song's samples, length, beat grid and loudness curve."""

    samples: np.ndarray
    sr: int
    duration: float
    grid: BeatGrid
    energy_curve: list[float]  # 0-1, four values a second


def decode_song(song: Path) -> np.ndarray:
    """The song's samples at the analysis rate; BadInput when unreadable, too short or too long.

    The length is what decodes (just past the limit at most), never what the file's header claims.
    """
    samples = decode_audio(song, sample_rate=ANALYSIS_SAMPLE_RATE, limit=MAX_SONG_SECONDS + 1)
    duration = samples.size / ANALYSIS_SAMPLE_RATE
    if duration < MIN_SONG_SECONDS:
        raise BadInput(f"The song is too short ({duration:.0f} s); use at least {MIN_SONG_SECONDS:.0f} s")
    if duration > MAX_SONG_SECONDS:
        raise BadInput(f"The song is too long ({duration / 60:.1f} min); the limit is 10 minutes")
    return samples


def hear(samples: np.ndarray) -> Heard:
    """Track the song's beats and its loudness; BadInput when it has no steady beat."""
    sr = ANALYSIS_SAMPLE_RATE
    duration = samples.size / sr
    grid = track_beats(samples, sr)
    if grid.tempo <= 0:
        raise BadInput("No steady beat was found in this song", cause=f"{len(grid.beats)} beats tracked")
    _, curve = energy_curve(samples, sr)
    return Heard(samples, sr, duration, grid, [round(float(v), 3) for v in curve])


def audio_beside(video: Path) -> Path:
    """Where the song's AAC waits for the mux: hidden beside the video it is for."""
    return video.with_name(f".{video.stem}.audio.m4a")


def _heard_beside(audio: Path, part: str) -> Path:
    return audio.with_name(f"{audio.name}.{part}.npz")


def hear_beats(samples: np.ndarray) -> dict[str, np.ndarray]:
    """The beats part of hearing: the grid and the loudness curve, as arrays."""
    heard = hear(samples)
    grid = heard.grid
    return {
        "tempo": np.float64(grid.tempo),
        "beats": grid.beats,
        "counts": grid.counts,
        "one_confidence": np.float64(grid.one_confidence),
        "bass_on_beat": np.float64(grid.bass_on_beat),
        "energy_curve": np.asarray(heard.energy_curve),
    }


def hear_features(samples: np.ndarray) -> dict[str, np.ndarray]:
    """The embedding's part of hearing: every block of it but the tempo."""
    return {"features": audio_features(samples, ANALYSIS_SAMPLE_RATE)}


# Two hearers, one each, hear a song in parallel: the beats (numpy and scipy) and the embedding's features
# (librosa, the heavier part), each about half of the work and neither waiting for the other. They are
# processes of the render's own, or the standing node's warm actors (ray_pipeline.warm).
PARTS = {"beats": hear_beats, "features": hear_features}
Parts = dict[str, dict[str, np.ndarray]]


def problem(exc: RenderError) -> dict:
    """A hearer's verdict on a song it could not hear, as it crosses to the render."""
    return {"message": exc.message, "cause": exc.cause, "bad_input": isinstance(exc, BadInput)}


def raise_problem(found: dict) -> None:
    """Raise what a hearer reported: BadInput for the song's own fault, else a retryable-or-not RenderError."""
    error = BadInput if found["bad_input"] else RenderError
    raise error(found["message"], cause=found["cause"])


def write_hearing(part: str, song: Path, out: Path) -> None:
    """Decode the song and write one part of its hearing into ``out`` (what each child process does)."""
    np.savez(out, **PARTS[part](decode_song(song)))


class Listening:
    """The song being decoded, heard and encoded in the background; ``samples()``, ``heard()`` and ``audio()``
    wait for each.

    ``on_node``: the render joins a standing Ray node, whose warm hearers hear the song once Ray is joined
    (a render's own processes would pay seconds of imports first); without them, its own processes after all.
    """

    def __init__(self, song: Path, audio: Path, *, on_node: bool = False):
        self._song, self._audio = song, audio
        self._heard_files = {part: _heard_beside(audio, part) for part in PARTS}
        audio.parent.mkdir(parents=True, exist_ok=True)
        command = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(song), "-vn", "-t",
                   str(MAX_SONG_SECONDS + 1), "-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE, "-f", "mp4",
                   str(audio)]  # fmt: skip
        self._encoder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._hearers: dict[str, subprocess.Popen] = {} if on_node else self._start_hearers()
        # The decode (a pipe from ffmpeg, no imports) is all this process does meanwhile: its samples are
        # checked before Ray starts and shared with the Ray tasks.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decoding")
        self._decoding = self._pool.submit(decode_song, song)
        self._heard: tuple[Heard, np.ndarray] | None = None
        self._asked: dict | None = None  # the warm hearers' answers to come

    def _start_hearers(self) -> dict[str, subprocess.Popen]:
        return {
            part: subprocess.Popen(
                [sys.executable, "-m", "ray_pipeline.listening", part, str(self._song), str(out)],
                env={**os.environ, **HEARING_MEMORY},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for part, out in self._heard_files.items()
        }

    def samples(self) -> np.ndarray:
        return self._decoding.result()

    def begin(self) -> None:
        """On a node, ask its warm hearers now (call once Ray is joined); without them, hear in processes."""
        if self._hearers or self._asked is not None:
            return
        from ray_pipeline.warm import ask_hearers

        self._asked = ask_hearers(self.samples())
        if self._asked is None:
            self._hearers = self._start_hearers()

    def _parts(self) -> Parts:
        """Every part's arrays, from the node's warm hearers or from this render's hearing processes."""
        self.samples()  # a bad song fails here first, with the decoder's own message
        self.begin()
        if self._asked is not None:
            from ray_pipeline.warm import answers_of

            try:
                parts = answers_of(self._asked)
            finally:  # let go of the answers' Ray objects now: one freed while Ray shuts down ends the process
                self._asked.clear()
            if parts is not None:
                return parts
            self._asked, self._hearers = None, self._start_hearers()
        for hearer in self._hearers.values():  # the beats first: a song without a beat says so
            _, stderr = hearer.communicate()
            if hearer.returncode == BAD_INPUT_EXIT:
                raise_problem(json.loads(stderr.decode().strip().splitlines()[-1]))
            if hearer.returncode != 0:
                tail = "\n".join(stderr.decode(errors="replace").strip().splitlines()[-12:])
                raise RenderError("Could not analyse the song", cause=f"hearing failed: {tail}")
        parts = {}
        for part, heard_file in self._heard_files.items():
            with np.load(heard_file) as found:
                parts[part] = dict(found)
        return parts

    def _hearing(self) -> tuple[Heard, np.ndarray]:
        if self._heard is None:
            parts = self._parts()
            beats, samples = parts["beats"], self.samples()
            grid = BeatGrid(
                tempo=float(beats["tempo"]),
                beats=beats["beats"],
                counts=beats["counts"],
                one_confidence=float(beats["one_confidence"]),
                bass_on_beat=float(beats["bass_on_beat"]),
            )
            curve = [float(v) for v in beats["energy_curve"]]
            heard = Heard(samples, ANALYSIS_SAMPLE_RATE, samples.size / ANALYSIS_SAMPLE_RATE, grid, curve)
            self._heard = (heard, parts["features"]["features"])
        return self._heard

    def heard(self) -> Heard:
        return self._hearing()[0]

    def embedding(self) -> np.ndarray:
        """The original's 128-d song vector (it needs the tempo, so it waits for the beats too)."""
        heard, features = self._hearing()
        return with_tempo(features, heard.grid.tempo, heard.duration)

    def audio(self) -> Path:
        """The song as AAC in MP4 (the whole song; the video's length is the decoded samples')."""
        _, stderr = self._encoder.communicate()
        if self._encoder.returncode != 0:
            raise FFmpegError("ffmpeg", stderr.decode(errors="replace"))
        return self._audio

    def close(self) -> None:
        for process in (self._encoder, *self._hearers.values()):
            if process.poll() is None:
                process.kill()  # a killed process writes nothing more, so waiting cannot block on its pipe
            process.wait()
            process.stderr.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._audio.unlink(missing_ok=True)
        for heard_file in self._heard_files.values():
            heard_file.unlink(missing_ok=True)

    def __enter__(self) -> Listening:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


BAD_INPUT_EXIT = 3


def main() -> None:
    """`python -m ray_pipeline.listening PART SONG OUT`: hear one PART of SONG into OUT; a bad song exits 3."""
    part, song, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    try:
        write_hearing(part, song, out)
    except RenderError as exc:
        print(json.dumps(problem(exc)), file=sys.stderr)
        sys.exit(BAD_INPUT_EXIT if isinstance(exc, BadInput) else 1)


if __name__ == "__main__":
    main()
