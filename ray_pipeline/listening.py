"""The song heard from the first moment: decoded in a thread and encoded to AAC by ffmpeg while Ray starts,
then beat-tracked and embedded in threads.

None of it needs the Ray runtime, which takes seconds to start. But only the decode (a pipe from ffmpeg) runs
while Ray starts: Ray forks its processes with a Python pre-exec hook, and a fork while another thread imports
numba or compiles with it hung ray.init for good (seen under load). So the Python-heavy hearing waits for
``hear_in_background()``, which the render calls once Ray is up.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ray_pipeline.analysis import audio_features, energy_curve, with_tempo
from ray_pipeline.beats import BeatGrid, track_beats
from ray_pipeline.errors import BadInput, FFmpegError
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


class Listening:
    """The song being decoded, heard and encoded in the background; ``samples()``, ``heard()`` and ``audio()``
    wait for each."""

    def __init__(self, song: Path, audio: Path):
        self._audio = audio
        audio.parent.mkdir(parents=True, exist_ok=True)
        command = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(song), "-vn", "-t",
                   str(MAX_SONG_SECONDS + 1), "-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE, "-f", "mp4",
                   str(audio)]  # fmt: skip
        self._encoder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Two threads: the beats on one, the embedding's features on the other (numpy and librosa release
        # the GIL for their heavy parts), both from the one decoding, which starts now.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hearing")
        self._decoding = self._pool.submit(decode_song, song)
        self._hearing: Future[Heard] | None = None
        self._features: Future[np.ndarray] | None = None

    def samples(self) -> np.ndarray:
        return self._decoding.result()

    def hear_in_background(self) -> None:
        """Start tracking the beats and computing the embedding's features (once; never while Ray starts)."""
        if self._hearing is None:
            self._hearing = self._pool.submit(lambda: hear(self._decoding.result()))
            self._features = self._pool.submit(lambda: audio_features(self._decoding.result(), ANALYSIS_SAMPLE_RATE))

    def heard(self) -> Heard:
        self.hear_in_background()
        return self._hearing.result()

    def embedding(self) -> np.ndarray:
        """The original's 128-d song vector (it needs the tempo, so it waits for the beats too)."""
        heard = self.heard()
        return with_tempo(self._features.result(), heard.grid.tempo, heard.duration)

    def audio(self) -> Path:
        """The song as AAC in MP4 (the whole song; the video's length is the decoded samples')."""
        _, stderr = self._encoder.communicate()
        if self._encoder.returncode != 0:
            raise FFmpegError("ffmpeg", stderr.decode(errors="replace"))
        return self._audio

    def close(self) -> None:
        if self._encoder.poll() is None:
            self._encoder.kill()
            self._encoder.wait()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._audio.unlink(missing_ok=True)

    def __enter__(self) -> Listening:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
