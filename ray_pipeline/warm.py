"""Warm actors on the standing Ray node: the song's hearers and the moves' cutters, loaded once for every render.

A render's own hearing processes pay ~2.5 s of CPU before they hear anything (numpy, scipy and librosa's
imports, numba's cache, the first FFT plans), more than hearing a 3-minute song then takes (~0.7 s a part);
and Ray starts worker processes for every new driver, so each render's first tasks waited ~1.4 s for workers
that import Ray and PyAV. The node starts one hearer per part of hearing (listening.PARTS), warmed on a
generated song, and one cutter per CPU; a render that joins hands them its samples and its moves. They ask for
no CPU of Ray's, so they never hold back the tasks that still run in a render's own workers (clip analysis and
preparation, pose checks), and the node restarts one that dies.
"""

from __future__ import annotations

import logging

import numpy as np
import ray
from ray.actor import ActorHandle
from ray.exceptions import RayActorError

from ray_pipeline.errors import RenderError
from ray_pipeline.listening import HEARING_MEMORY, PARTS, Parts, problem, raise_problem
from ray_pipeline.remux import Piece, cut_batch

log = logging.getLogger(__name__)
NAMESPACE = "bachata"
WARM_UP_SECONDS = 180.0  # a typical song: every step of hearing runs, and the heap grows to hold its arrays
MAX_CUTTERS = 64


@ray.remote(num_cpus=0, max_restarts=-1)
class Hearer:
    """One part of hearing, loaded and warmed once, heard for every render."""

    def __init__(self, part: str):
        from ray_pipeline.synthetic import song_samples  # the warm-up song, generated here

        self._hear = PARTS[part]
        self._hear(song_samples(bpm=128, duration=WARM_UP_SECONDS)[0])

    def ready(self) -> bool:
        return True

    def part(self, samples: np.ndarray) -> dict:
        """The part's arrays, or what was wrong with the song."""
        try:
            return {"found": self._hear(samples)}
        except RenderError as exc:
            return {"problem": problem(exc)}


@ray.remote(num_cpus=0, max_restarts=-1)
class Cutter:
    """Remuxes runs of moves for every render (PyAV loaded once)."""

    def ready(self) -> bool:
        return True

    def cut(self, batch: list[Piece]):
        return cut_batch(batch)


def _hearer_name(part: str) -> str:
    return f"hearing-{part}"


def _cutter_name(index: int) -> str:
    return f"cutting-{index}"


def start_warm_actors(cpus: int) -> list[ActorHandle]:
    """The node's hearers and ``cpus`` cutters, named so renders find them, once they are warm.

    The node holds the handles it gets: the actors live as long as it does.
    """
    memory = {"env_vars": HEARING_MEMORY}
    actors = [
        Hearer.options(name=_hearer_name(part), namespace=NAMESPACE, runtime_env=memory).remote(part) for part in PARTS
    ]
    actors += [Cutter.options(name=_cutter_name(index), namespace=NAMESPACE).remote() for index in range(cpus)]
    ray.get([actor.ready.remote() for actor in actors])
    return actors


def _named(name: str) -> ActorHandle | None:
    try:
        return ray.get_actor(name, namespace=NAMESPACE)
    except ValueError:
        return None


def ask_hearers(samples: np.ndarray) -> dict[str, ray.ObjectRef] | None:
    """Every part of the song asked of the node's warm hearers (answered meanwhile); None when it has none."""
    hearers = {part: _named(_hearer_name(part)) for part in PARTS}
    if None in hearers.values():
        log.info("the Ray node has no warm hearers; this render hears the song itself")
        return None
    samples_ref = ray.put(samples)
    return {part: hearer.part.remote(samples_ref) for part, hearer in hearers.items()}


def answers_of(answers: dict[str, ray.ObjectRef]) -> Parts | None:
    """What the warm hearers heard; None when one died meanwhile."""
    parts = {}
    try:
        for part, answer in answers.items():
            found = ray.get(answer)
            if "problem" in found:
                raise_problem(found["problem"])
            parts[part] = found["found"]
    except RayActorError as exc:  # the node restarts it for the next render; this one hears the song itself
        log.warning("a warm hearer died (%s); this render hears the song itself", exc)
        return None
    log.info("the song was heard by the Ray node's warm hearers")
    return parts


def node_cutters() -> list[ActorHandle]:
    """The node's warm cutters (none when this render runs on a runtime without them)."""
    cutters = []
    while len(cutters) < MAX_CUTTERS and (cutter := _named(_cutter_name(len(cutters)))) is not None:
        cutters.append(cutter)
    return cutters
