"""The move library: clips with annotations and embeddings, from either stored format, in one numpy index."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ray_pipeline.errors import BadInput
from ray_pipeline.move_names import human_name

log = logging.getLogger(__name__)

DIFFICULTY_NAMES = {"low": "beginner", "medium": "intermediate", "high": "advanced"}
MIN_QUALITY = 0.5  # the original drops index hits below this quality_score
MIN_RESULTS = 5  # fewer hits than this and the original relaxes its filters


@dataclass(frozen=True)
class MoveClip:
    """One move clip and what is known about it."""

    clip_id: str
    move_label: str
    path: Path
    difficulty: str  # beginner | intermediate | advanced
    energy_level: str  # low | medium | high
    estimated_tempo: float
    audio_embedding: np.ndarray = field(repr=False)
    pose_embedding: np.ndarray | None = field(default=None, repr=False)
    style: str | None = None
    quality_score: float = 1.0

    @property
    def name(self) -> str:
        """A name for people, from the clip's own id: "Sensual basic with head roll"."""
        return human_name(self.clip_id)


def _difficulty(value: str) -> str:
    return DIFFICULTY_NAMES.get(value, value)


def _vector(values: list[float] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=np.float32)


def _unique_id(clip_id: str, relative: str, taken: set[str]) -> str:
    """The clip's id, or ``<folder>_<id>`` when another clip already has it (one would shadow the other)."""
    if clip_id not in taken:
        return clip_id
    unique = f"{Path(relative).parent.name}_{clip_id}"
    log.warning("clip id %r is used twice; %s is known as %r", clip_id, relative, unique)
    return unique


def load_library(library_dir: Path) -> list[MoveClip]:
    """Every clip of the 150-clip format (annotations + ``move_embeddings.json``), whether or not its file exists."""
    annotations_path = library_dir / "bachata_annotations.json"
    embeddings_path = library_dir / "move_embeddings.json"
    if not annotations_path.exists() or not embeddings_path.exists():
        raise BadInput("The move library is not available", cause=f"no annotations/embeddings in {library_dir}")
    # By file, not by id: two clips share an id, and keyed by id one annotation would describe both.
    annotations = {clip["video_path"]: clip for clip in json.loads(annotations_path.read_text())["clips"]}
    clips: list[MoveClip] = []
    taken: set[str] = set()
    for entry in json.loads(embeddings_path.read_text())["embeddings"]:
        relative = entry["video_path"].split("Bachata_steps/", 1)[-1]
        annotation = annotations.get(relative, {})
        clip_id = _unique_id(entry["clip_id"], relative, taken)
        taken.add(clip_id)
        clips.append(
            MoveClip(
                clip_id=clip_id,
                move_label=entry.get("move_label") or annotation["move_label"],
                path=library_dir / "Bachata_steps" / relative,
                difficulty=_difficulty(entry.get("difficulty") or annotation["difficulty"]),
                energy_level=entry.get("energy_level") or annotation["energy_level"],
                estimated_tempo=float(annotation.get("estimated_tempo") or 120.0),
                audio_embedding=_vector(entry["audio_embedding"]),
                pose_embedding=_vector(entry.get("pose_embedding")),
                style=entry.get("style"),
            )
        )
    return clips


def load_index_backup(backup_path: Path, clips_root: Path) -> list[MoveClip]:
    """Every document of the original index backup (five vectors each); paths resolve under ``clips_root``."""
    documents = json.loads(backup_path.read_text())["embeddings"]
    clips = []
    for doc in documents:
        clips.append(
            MoveClip(
                clip_id=doc["clip_id"],
                move_label=doc["move_label"],
                path=clips_root / doc["video_path"],
                difficulty=_difficulty(doc["difficulty"]),
                energy_level=doc["energy_level"],
                estimated_tempo=float(doc.get("estimated_tempo") or 120.0),
                audio_embedding=_vector(doc["audio_embedding"]),
                # The lead dancer's pose vector stands in for the couple's: both are 512-d YOLO keypoint summaries.
                pose_embedding=_vector(doc.get("lead_embedding")),
                quality_score=float(doc.get("quality_score", 1.0)),
            )
        )
    return clips


def playable(clips: list[MoveClip]) -> list[MoveClip]:
    """The clips whose video file exists; the others are skipped with one warning naming them."""
    present = [clip for clip in clips if clip.path.exists()]
    missing = sorted(clip.clip_id for clip in clips if not clip.path.exists())
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        log.warning("skipping %d move clip(s) without a video file: %s", len(missing), shown)
    return present


Hits = list[tuple[MoveClip, float]]


class SearchIndex:
    """What matching needs from a move index: ``search`` with term filters, and the original's fallback ladder."""

    def search(
        self, query: np.ndarray, *, difficulty: str | None = None, energy_level: str | None = None, size: int = 200
    ) -> Hits:
        raise NotImplementedError

    def candidates(
        self, query: np.ndarray, *, difficulty: str | None, energy_level: str | None
    ) -> tuple[Hits, dict[str, str | None]]:
        """Search with both filters; under five hits drop energy, then difficulty. Returns hits and the filters used."""
        ladder = [(difficulty, energy_level), (difficulty, None), (None, None)]
        for level_difficulty, level_energy in ladder:
            hits = self.search(query, difficulty=level_difficulty, energy_level=level_energy)
            if len(hits) >= MIN_RESULTS:
                break
        return hits, {"difficulty": level_difficulty, "energy_level": level_energy}


def index_score(cosine: float) -> float:
    """The original's ranking score: its one kNN clause (boost 0.35) on ES's cosine score (1 + cos) / 2."""
    return 0.35 * (cosine + 1.0) / 2.0


class MoveIndex(SearchIndex):
    """Cosine search over the clips' audio embeddings, in process (numpy)."""

    def __init__(self, clips: list[MoveClip]):
        if not clips:
            raise BadInput("The move library has no usable clips", cause="empty move index")
        self.clips = clips
        matrix = np.stack([clip.audio_embedding for clip in clips])
        self._unit = matrix / (np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-12)

    def search(
        self,
        query: np.ndarray,
        *,
        difficulty: str | None = None,
        energy_level: str | None = None,
        size: int = 200,
    ) -> Hits:
        """Clips passing the term filters and the quality floor, best cosine first (scored like the original)."""
        similarity = self._unit @ (query / (np.linalg.norm(query) + 1e-12))
        hits = [
            (clip, index_score(float(sim)))
            for clip, sim in zip(self.clips, similarity, strict=True)
            if (difficulty is None or clip.difficulty == difficulty)
            and (energy_level is None or clip.energy_level == energy_level)
            and clip.quality_score >= MIN_QUALITY
        ]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:size]
