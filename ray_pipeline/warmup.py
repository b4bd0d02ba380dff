"""`python -m ray_pipeline.warmup`: compile librosa's numba code into the persistent cache (run at install)."""

from __future__ import annotations

import time

from ray_pipeline.analysis import audio_embedding
from ray_pipeline.beats import track_beats
from ray_pipeline.synthetic import SAMPLE_RATE, song_samples


def main() -> None:
    started = time.perf_counter()
    samples, *_ = song_samples(bpm=128, duration=20)
    grid = track_beats(samples, SAMPLE_RATE)
    audio_embedding(samples, SAMPLE_RATE, grid.tempo)
    print(f"numba cache warm ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
