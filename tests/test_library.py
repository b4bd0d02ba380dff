"""Both library formats load into one index; the original's filters, quality floor and fallback ladder."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from ray_pipeline.errors import BadInput
from ray_pipeline.library import MoveClip, MoveIndex, load_index_backup, load_library, playable
from ray_pipeline.move_names import human_name


def test_real_library_loads_and_skips_the_missing_clip(real_library_dir, caplog):
    clips = load_library(real_library_dir)
    assert len(clips) == 150
    with caplog.at_level(logging.WARNING):
        present = playable(clips)
    assert len(present) == 149
    assert "energetic_bodywaves" in caplog.text
    assert {c.difficulty for c in present} == {"beginner", "intermediate", "advanced"}
    assert all(c.audio_embedding.shape == (128,) and c.pose_embedding.shape == (512,) for c in present)


def test_annotation_difficulty_names_are_mapped(demo_library):
    clips = load_library(demo_library)
    by_id = {c.clip_id: c for c in clips}
    assert by_id["basic_step"].difficulty == "beginner"  # annotated "low"
    assert by_id["hammerlock_exit"].difficulty == "advanced"  # annotated "high"
    assert by_id["cbl_classic"].name == "Cross-body lead classic"  # from the clip, not its folder


def test_original_index_backup_loads_with_its_vectors(shared_dir, real_library_dir):
    clips = load_index_backup(shared_dir / "legacy" / "embeddings_backup.json", real_library_dir)
    assert len(clips) == 38
    assert all(c.audio_embedding.shape == (128,) and c.pose_embedding.shape == (512,) for c in clips)
    assert playable(clips) == []  # their videos exist nowhere, as in production
    hits = MoveIndex(clips).search(clips[0].audio_embedding, difficulty=clips[0].difficulty)
    assert hits[0][0].clip_id == clips[0].clip_id
    assert hits[0][1] == pytest.approx(0.35)  # the original's 0.35 * (cos + 1) / 2 at cos = 1


def _clip(clip_id: str, difficulty: str, energy: str, vector: list[float], quality: float = 1.0) -> MoveClip:
    return MoveClip(
        clip_id=clip_id,
        move_label="basic",
        path=None,
        difficulty=difficulty,
        energy_level=energy,
        estimated_tempo=125,
        audio_embedding=np.asarray(vector, dtype=np.float32),
        quality_score=quality,
    )


def test_search_filters_and_quality_floor():
    index = MoveIndex(
        [
            _clip("a", "beginner", "low", [1, 0]),
            _clip("b", "beginner", "high", [0.9, 0.1]),
            _clip("c", "advanced", "low", [1, 0]),
            _clip("d", "beginner", "low", [1, 0], quality=0.4),
        ]
    )
    assert [c.clip_id for c, _ in index.search(np.array([1.0, 0.0]), difficulty="beginner")] == ["a", "b"]
    assert [c.clip_id for c, _ in index.search(np.array([1.0, 0.0]), difficulty="beginner", energy_level="low")] == [
        "a"
    ]


def test_fallback_ladder_drops_energy_then_difficulty():
    clips = [_clip(f"b{i}", "beginner", "medium", [1, i / 10]) for i in range(5)]
    clips += [_clip(f"x{i}", "advanced", "high", [1, 0]) for i in range(3)]
    index = MoveIndex(clips)
    query = np.array([1.0, 0.0])
    hits, used = index.candidates(query, difficulty="beginner", energy_level="medium")
    assert used == {"difficulty": "beginner", "energy_level": "medium"} and len(hits) == 5
    hits, used = index.candidates(query, difficulty="beginner", energy_level="high")
    assert used == {"difficulty": "beginner", "energy_level": None} and len(hits) == 5
    hits, used = index.candidates(query, difficulty="advanced", energy_level="high")
    assert used == {"difficulty": None, "energy_level": None} and len(hits) == 8


def test_missing_library_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="move library"):
        load_library(tmp_path)
    with pytest.raises(BadInput):
        MoveIndex([])


@pytest.mark.parametrize(
    ("clip_id", "name"),
    [
        ("sensual_basic_headroll", "Sensual basic with head roll"),
        ("cross_body_lead", "Cross-body lead"),
        ("ladyturn_left_back", "Lady turn (left, back)"),
        ("spin_right_ladyturn_left", "Spin (right) with lady turn (left)"),
        ("left_ladyturn_right_arm_brush", "Left lady turn with right arm brush"),
        ("golpes_pinza_sensual_dip", "Golpes with pinza and sensual dip"),
        ("spins_double", "Double spins"),
        ("intro_energetic", "Energetic intro"),
        ("styled_caricia_headroll.2", "Styled caricia with head roll"),
        ("basic_2", "Basic"),
    ],
)
def test_moves_are_named_from_the_clip_not_its_folder(clip_id, name):
    assert human_name(clip_id) == name


def test_two_clips_sharing_an_id_both_stay_in_the_library(real_library_dir, caplog):
    with caplog.at_level(logging.WARNING):
        clips = load_library(real_library_dir)
    assert len({c.clip_id for c in clips}) == len(clips) == 150
    by_path = {c.path.relative_to(real_library_dir / "Bachata_steps").as_posix(): c for c in clips}
    assert by_path["arm_styling/paseala.mp4"].clip_id == "paseala"
    assert by_path["bolero/paseala.mp4"].clip_id == "bolero_paseala"
    assert by_path["bolero/paseala.mp4"].move_label == "bolero"  # each keeps its own annotation
    assert by_path["arm_styling/paseala.mp4"].estimated_tempo == 136
    assert "used twice" in caplog.text
