"""Generated media with known answers: bachata-like songs (tempo, beats, "1"s) and labelled move clips.

Used by the tests, the benchmark and the demo library, so everything runs without the real data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np
import soundfile

from ray_pipeline.media import run_ffmpeg
from ray_pipeline.synthetic_couple import Couple, couple_frames

SAMPLE_RATE = 22050


@dataclass(frozen=True)
class SyntheticSong:
    """A generated song and its ground truth."""

    path: Path
    bpm: float
    duration: float
    beats: np.ndarray
    ones: np.ndarray  # beat times that are the "1" of an 8-count
    section_energy: list[float] = field(default_factory=list)  # one gain per 8-count


def _decaying(freq: float, length: float, decay: float, sr: int) -> np.ndarray:
    t = np.arange(int(length * sr)) / sr
    return np.sin(2 * np.pi * freq * t) * np.exp(-t * decay)


def _noise_burst(length: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(length * sr)
    noise = rng.standard_normal(n)
    hiss = np.diff(noise, prepend=0.0)  # a first difference tilts the noise towards the highs, like a güira
    return hiss * np.exp(-np.arange(n) / sr * 60)


def _pluck(freq: float, length: float, sr: int, rng: np.random.Generator, damping: float = 0.996) -> np.ndarray:
    """A plucked string (Karplus-Strong, one period at a time): the requinto's bright, quickly fading note."""
    period = max(2, round(sr / freq))
    block = rng.uniform(-1.0, 1.0, period)
    blocks = []
    for _ in range(int(length * sr) // period + 1):
        blocks.append(block)
        block = damping * 0.5 * (block + np.roll(block, -1))
    return np.concatenate(blocks)[: int(length * sr)]


# A minor's i-VII-VI-V (Am, G, F, E), bachata's commonest round, one chord per 8-count: (root Hz, its third).
BACHATA_CHORDS = [(110.0, 1.2), (98.0, 1.26), (87.3, 1.26), (82.4, 1.26)]
# The requinto's eighth notes over one half 8-count: (chord tone, octave multiple); tones are root, third, fifth.
ARPEGGIO = [
    ("root", 4),
    ("fifth", 2),
    ("third", 4),
    ("fifth", 4),
    ("root", 4),
    ("fifth", 2),
    ("third", 4),
    ("fifth", 4),
]


def bachata_band(beats: np.ndarray, period: float, gains: list[float], size: int, sr: int, rng) -> np.ndarray:
    """Requinto arpeggios in eighth notes and a bass on the 1, 3, 5 and 7, over the chord round."""
    out = np.zeros(size)

    def add(signal: np.ndarray, at: float, level: float) -> None:
        start = int(at * sr)
        if start < size:
            out[start : start + signal.size] += level * signal[: size - start]

    for index, beat in enumerate(beats):
        count = index % 8
        root, third = BACHATA_CHORDS[(index // 8) % len(BACHATA_CHORDS)]
        tones = {"root": 1.0, "third": third, "fifth": 1.5}
        gain = gains[min(index // 8, len(gains) - 1)]
        for half in (0, 1):
            tone, octave = ARPEGGIO[(count % 4) * 2 + half]
            note = root * tones[tone] * octave
            add(_pluck(note, period * 0.9, sr, rng), beat + half * period / 2, 0.18 * (0.5 + 0.5 * gain))
        if count % 4 in (0, 2):  # the bass: the root on 1 and 5, its fifth, softer, on 3 and 7
            note = root * (1.5 if count % 4 == 2 else 1.0) / 2
            length = period * 1.8
            level = (0.9 if count == 0 else 0.75 if count == 4 else 0.35) * (0.6 + 0.4 * gain)
            add(_decaying(note, length, 5.0, sr) + 0.3 * _decaying(note * 2, length, 8.0, sr), beat, level)
    return out


def song_samples(
    *,
    bpm: float,
    duration: float,
    first_beat: float = 0.4,
    seed: int = 0,
    sections: list[float] | None = None,
    sr: int = SAMPLE_RATE,
    band: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """Samples, beat times, "1" times and per-8-count gains of a bachata-like groove.

    Bass on 1 and 5 (stronger on 1), güira on every beat and off-beat, bongo accents on 4 and 8,
    a chord pad changing every 8-count, and sections of different energy. With ``band`` the pad and plain
    bass give way to a requinto arpeggio and a bass line over the chord round (the demo songs).
    """
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    beats = np.arange(first_beat, duration - 0.05, period)
    sections = sections or [0.45, 0.45, 1.0, 1.0, 0.7, 0.7, 1.0, 1.0, 0.45]
    out = np.zeros(int(duration * sr) + sr)
    bass = _decaying(58.0, 0.5, 7.0, sr)
    bongo = _decaying(320.0, 0.18, 22.0, sr)
    gains = []
    for index, beat in enumerate(beats):
        phrase, count = divmod(index, 8)
        gain = sections[phrase % len(sections)]
        if count == 0:
            gains.append(gain)
        start = int(beat * sr)
        layers = [(_noise_burst(0.06, sr, rng), 0.18 * gain)]
        if count in (0, 4) and not band:
            layers.append((bass, (1.0 if count == 0 else 0.7) * (0.6 + 0.4 * gain)))
        if count in (3, 7):
            layers.append((bongo, 0.55 * gain))
        offbeat = int((beat + period / 2) * sr)
        layers_off = [(_noise_burst(0.04, sr, rng), 0.08 * gain)]
        for signal, level in layers:
            out[start : start + signal.size] += level * signal[: max(0, out.size - start)]
        for signal, level in layers_off:
            out[offbeat : offbeat + signal.size] += level * signal[: max(0, out.size - offbeat)]
    chord_roots = [] if band else [220.0, 246.9, 196.0, 164.8]
    if band:
        out += bachata_band(beats, period, gains, out.size, sr, rng)
    for phrase_index, phrase_start in enumerate(beats[::8] if chord_roots else []):
        length = min(8 * period, duration - phrase_start)
        t = np.arange(int(length * sr)) / sr
        root = chord_roots[phrase_index % len(chord_roots)]
        pad = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.26, 1.5)) / 3
        start = int(phrase_start * sr)
        out[start : start + t.size] += 0.05 * gains[phrase_index] * pad
    out = out[: int(duration * sr)]
    out /= max(1e-9, np.max(np.abs(out))) / 0.9
    return out.astype(np.float32), beats, beats[::8], gains


def make_song(
    path: Path, *, bpm: float, duration: float, first_beat: float = 0.4, seed: int = 0, band: bool = False
) -> SyntheticSong:
    """Write a generated song (wav, or any format ffmpeg can encode by the file's suffix)."""
    samples, beats, ones, gains = song_samples(bpm=bpm, duration=duration, first_beat=first_beat, seed=seed, band=band)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".wav":
        soundfile.write(path, samples, SAMPLE_RATE)
    else:
        wav = path.with_suffix(".tmp.wav")
        soundfile.write(wav, samples, SAMPLE_RATE)
        run_ffmpeg(ffmpeg.input(str(wav)).output(str(path)))
        wav.unlink()
    return SyntheticSong(path=path, bpm=bpm, duration=duration, beats=beats, ones=ones, section_energy=gains)


def make_clip(
    path: Path,
    *,
    bpm: float,
    duration: float,
    label: str,
    size: str = "640x360",
    fps: int = 30,
    seed: int = 0,
    step_offset: float = 0.0,
    couple: Couple | None = None,
) -> None:
    """A labelled clip of a drawn couple stepping to its own groove at ``bpm``.

    The couple lands ``step_offset`` beats after each of the groove's beats (0: on the beat), so a clip's
    dancers can be made to disagree with its music on purpose.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = (int(side) for side in size.split("x"))
    wav = path.with_suffix(".tmp.wav")
    samples, beats, *_ = song_samples(bpm=bpm, duration=duration, first_beat=0.25, seed=seed)
    soundfile.write(wav, samples, SAMPLE_RATE)
    frames = couple_frames(
        width=width,
        height=height,
        fps=fps,
        duration=duration,
        landings=beats + step_offset * 60.0 / bpm,
        couple=couple or Couple.from_seed(seed),
    )
    video = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=size, r=fps).drawtext(
        text=label, fontsize=max(12, height // 10), fontcolor="white", box=1, boxcolor="black@0.6",
        x="(w-tw)/2", y="h-th-10",
    )  # fmt: skip
    audio = ffmpeg.input(str(wav))
    try:
        run_ffmpeg(
            ffmpeg.output(
                video, audio, str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p", acodec="aac", ac=1,
                shortest=None,
            ),
            feed=frames.tobytes(),
        )  # fmt: skip
    finally:
        wav.unlink(missing_ok=True)


# (category, clip id, bpm, seconds, energy, difficulty low/medium/high)
DEMO_CLIPS = [
    ("intros", "intro_basic", 124, 8.0, "low", "low"),
    ("basic", "basic_step", 120, 9.0, "low", "low"),
    ("basic", "basic_side", 128, 9.0, "medium", "low"),
    ("cross_body_lead", "cbl_classic", 126, 10.0, "medium", "medium"),
    ("ladyturn", "lady_turn", 130, 9.0, "medium", "medium"),
    ("spin", "double_spin", 132, 8.0, "high", "medium"),
    ("shadow", "shadow_position", 122, 10.0, "medium", "high"),
    ("hammerlock", "hammerlock_exit", 127, 9.0, "high", "high"),
    ("footwork", "footwork_combo", 134, 8.0, "high", "medium"),
    ("bodywaves", "body_wave", 118, 9.0, "low", "medium"),
    ("outro", "outro_dip", 125, 8.0, "low", "low"),
]


def make_library(root: Path, *, size: str = "640x360", seed: int = 7) -> Path:
    """A small move library in the real library's format (clips, annotations, embeddings)."""
    rng = np.random.default_rng(seed)
    annotations, embeddings = [], []
    difficulty_names = {"low": "beginner", "medium": "intermediate", "high": "advanced"}
    for index, (category, clip_id, bpm, seconds, energy, difficulty) in enumerate(DEMO_CLIPS):
        relative = f"{category}/{clip_id}.mp4"
        make_clip(
            root / "Bachata_steps" / relative,
            bpm=bpm,
            duration=seconds,
            label=clip_id,
            size=size,
            seed=index,
            couple=Couple.from_seed(seed + index % 3),  # three recording sessions
        )
        annotations.append(
            {
                "clip_id": clip_id,
                "video_path": relative,
                "move_label": category,
                "energy_level": energy,
                "estimated_tempo": bpm,
                "difficulty": difficulty,
            }
        )

        def unit(dims: int) -> list[float]:
            vector = rng.standard_normal(dims)
            return (vector / np.linalg.norm(vector)).round(6).tolist()

        embeddings.append(
            {
                "clip_id": clip_id,
                "move_name": clip_id.replace("_", " ").title(),
                "video_path": f"data/Bachata_steps/{relative}",
                "pose_embedding": unit(512),
                "audio_embedding": unit(128),
                "text_embedding": unit(384),
                "difficulty": difficulty_names[difficulty],
                "energy_level": energy,
                "style": "romantic",
                "duration": seconds,
                "move_label": category,
            }
        )
    (root / "bachata_annotations.json").write_text(json.dumps({"clips": annotations}, indent=1))
    (root / "move_embeddings.json").write_text(json.dumps({"embeddings": embeddings}))
    return root
