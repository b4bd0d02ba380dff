"""The song heard from the first moment, while Ray starts: decoded in a thread, encoded to AAC by ffmpeg, and
beat-tracked and embedded by two processes of its own.

None of it needs the Ray runtime, which takes seconds to start. The Python-heavy hearing may not run in a thread
of this process meanwhile: Ray forks its processes from here with a Python pre-exec hook, and a fork while
another thread imported numba or compiled with it hung ray.init for good (seen under load). A separate process
(`python -m ray_pipeline.listening PART SONG OUT`) hears in parallel without that hazard.
"""

from __future__ import annotations

import json
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


def _write_beats(samples: np.ndarray, out: Path) -> None:
    heard = hear(samples)
    grid = heard.grid
    np.savez(
        out,
        tempo=grid.tempo,
        beats=grid.beats,
        counts=grid.counts,
        one_confidence=grid.one_confidence,
        bass_on_beat=grid.bass_on_beat,
        energy_curve=np.asarray(heard.energy_curve),
    )


def _write_features(samples: np.ndarray, out: Path) -> None:
    np.savez(out, features=audio_features(samples, ANALYSIS_SAMPLE_RATE))


# Two processes, one each, hear a song in parallel: the beats (numpy and scipy) and the embedding's features
# (librosa, the heavier part), each about half of the work and neither waiting for the other.
PARTS = {"beats": _write_beats, "features": _write_features}


def write_hearing(part: str, song: Path, out: Path) -> None:
    """Decode the song and write one part of its hearing into ``out`` (what each child process does)."""
    PARTS[part](decode_song(song), out)


class Listening:
    """The song being decoded, heard and encoded in the background; ``samples()``, ``heard()`` and ``audio()``
    wait for each."""

    def __init__(self, song: Path, audio: Path):
        self._audio = audio
        self._heard_files = {part: _heard_beside(audio, part) for part in PARTS}
        audio.parent.mkdir(parents=True, exist_ok=True)
        command = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(song), "-vn", "-t",
                   str(MAX_SONG_SECONDS + 1), "-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE, "-f", "mp4",
                   str(audio)]  # fmt: skip
        self._encoder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._hearers = {
            part: subprocess.Popen(
                [sys.executable, "-m", "ray_pipeline.listening", part, str(song), str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for part, out in self._heard_files.items()
        }
        # The decode (a pipe from ffmpeg, no imports) is all this process does meanwhile: its samples are
        # checked before Ray starts and shared with the Ray tasks.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decoding")
        self._decoding = self._pool.submit(decode_song, song)
        self._heard: tuple[Heard, np.ndarray] | None = None

    def samples(self) -> np.ndarray:
        return self._decoding.result()

    def _hearing(self) -> tuple[Heard, np.ndarray]:
        if self._heard is None:
            samples = self.samples()  # a bad song fails here first, with the decoder's own message
            for hearer in self._hearers.values():  # the beats first: a song without a beat says so
                _, stderr = hearer.communicate()
                if hearer.returncode == BAD_INPUT_EXIT:
                    problem = json.loads(stderr.decode().strip().splitlines()[-1])
                    raise BadInput(problem["message"], cause=problem["cause"])
                if hearer.returncode != 0:
                    tail = "\n".join(stderr.decode(errors="replace").strip().splitlines()[-12:])
                    raise RenderError("Could not analyse the song", cause=f"hearing failed: {tail}")
            with np.load(self._heard_files["beats"]) as found:
                grid = BeatGrid(
                    tempo=float(found["tempo"]),
                    beats=found["beats"],
                    counts=found["counts"],
                    one_confidence=float(found["one_confidence"]),
                    bass_on_beat=float(found["bass_on_beat"]),
                )
                curve = [float(v) for v in found["energy_curve"]]
            with np.load(self._heard_files["features"]) as found:
                features = found["features"]
            heard = Heard(samples, ANALYSIS_SAMPLE_RATE, samples.size / ANALYSIS_SAMPLE_RATE, grid, curve)
            self._heard = (heard, features)
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
        print(json.dumps({"message": exc.message, "cause": exc.cause}), file=sys.stderr)
        sys.exit(BAD_INPUT_EXIT if isinstance(exc, BadInput) else 1)


if __name__ == "__main__":
    main()
