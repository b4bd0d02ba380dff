"""`make bench` (part 3): the API under load on PostgreSQL, renders queued through the local launcher, click to video.

Load: 100 simulated dancers for 60 s, each polling its task every 2 s, listing its collection every 10 s and
logging in every 30 s, against 1 and then 2 uvicorn workers on loopback. Renders: ten dancers start a
render at once; refused ones (caps: 3 running, 2 per dancer) retry after Retry-After; all must complete.
Click to video: one dancer generates for new 3-minute songs at 1280x720 and waits for each to complete (the
first also waits for the launcher's standing Ray node to start; the median is of the others).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from bachata_common.db.bootstrap import prepare_database
from bachata_common.db.engine import create_db_engine
from bachata_common.settings import PROJECT_ROOT, get_settings
from benchmarks import save_report
from ray_pipeline.synthetic import make_library, make_song
from tests.support.postgres import ThrowawayPostgres, find_bin_dir
from tests.support.rows import create_task
from tests.support.server import serve

CLICK_VAR = PROJECT_ROOT / "var" / "bench" / "click"  # kept: the library is prepared there once
PASSWORD = "steps-on-the-one-1"
EVERY = {"poll": 2.0, "collection": 10.0, "login": 30.0}  # seconds between one dancer's requests of each kind
# All simulated dancers share 127.0.0.1, so the per-address login limit is raised for the load run only;
# the limits themselves are covered by tests/test_security.py.
OPEN_LIMITS = {"RATE_LIMIT_PER_MINUTE": "100000", "LOGIN_RATE_LIMIT_PER_MINUTE": "100000"}
# Bench accounts hash with 20,000 PBKDF2 iterations: at the production 1,000,000 (~1 s of CPU per check)
# 100 dancers logging in every 30 s would need 3.3 CPUs for hashing alone on this 2-core machine.
BENCH_ITERATIONS = "20000"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summarise(samples: list[tuple[str, float, bool]], seconds: float) -> dict:
    report = {}
    for kind in EVERY:
        mine = [(ms, ok) for k, ms, ok in samples if k == kind]
        times = [ms for ms, _ in mine]
        report[kind] = {
            "requests": len(mine),
            "per_second": round(len(mine) / seconds, 1),
            "errors": sum(not ok for _, ok in mine),
            "p50_ms": round(percentile(times, 0.50), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
        }
    report["all"] = {"requests": len(samples), "per_second": round(len(samples) / seconds, 1),
                     "errors": sum(not ok for _, _, ok in samples)}  # fmt: skip
    return report


async def dancer(client: httpx.AsyncClient, email: str, task_id: str, stop_at: float, samples: list) -> None:
    """One dancer's loop; the first of each kind is spread over its period so the load starts evenly."""
    token = (await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()["access"]
    due = {kind: time.monotonic() + random.uniform(0, period) for kind, period in EVERY.items()}  # noqa: S311
    while (now := time.monotonic()) < stop_at:
        kind = min(due, key=due.get)
        await asyncio.sleep(max(0.0, due[kind] - now))
        if time.monotonic() >= stop_at:
            break
        due[kind] += EVERY[kind]
        started = time.perf_counter()
        try:
            if kind == "poll":
                response = await client.get(
                    f"/api/choreography/tasks/{task_id}", headers={"Authorization": f"Bearer {token}"}
                )
            elif kind == "collection":
                response = await client.get("/api/collections", headers={"Authorization": f"Bearer {token}"})
            else:
                response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
                token = response.json().get("access", token)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        samples.append((kind, (time.perf_counter() - started) * 1000, ok))


async def load(base: str, dancers: list[tuple[str, str]], seconds: float) -> list:
    samples: list = []
    limits = httpx.Limits(max_connections=len(dancers) + 10, max_keepalive_connections=len(dancers) + 10)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        stop_at = time.monotonic() + seconds + 3  # +3 s for the first logins
        await asyncio.gather(*(dancer(client, email, task, stop_at, samples) for email, task in dancers))
    return samples


def fresh_database(server: ThrowawayPostgres, name: str):
    engine = create_db_engine(server.create_database(name))
    prepare_database(engine)
    return engine


def register(base: str, count: int, prefix: str) -> list[tuple[str, int]]:
    users = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for number in range(count):
            email = f"{prefix}{number}@example.com"
            body = {"email": email, "password": PASSWORD, "display_name": f"Dancer {number}"}
            response = client.post("/api/auth/register", json=body)
            response.raise_for_status()
            users.append((email, response.json()["user"]["id"]))
    return users


def run_load(server: ThrowawayPostgres, workers: int, users: int, seconds: float, var: Path) -> dict:
    engine = fresh_database(server, f"load_{workers}")
    # Polled every 0.1 s: the wait is measured, not the rate limit.
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False), "PASSWORD_ITERATIONS": BENCH_ITERATIONS,
           **OPEN_LIMITS}  # fmt: skip
    with serve(var / f"load-{workers}", workers=workers, **env) as base:
        accounts = register(base, users, f"load{workers}-")
        dancers = [(email, create_task(engine, user_id, status="running", progress=40)) for email, user_id in accounts]
        samples = asyncio.run(load(base, dancers, seconds))
    engine.dispose()
    return summarise(samples, seconds)


def run_renders(server: ThrowawayPostgres, count: int, var: Path) -> dict:
    """Ten renders started at once through the local launcher; the client retries 429s after Retry-After."""
    engine = fresh_database(server, "renders")
    library = make_library(var / "library")
    media = var / "renders" / "media"
    make_song(media / "songs" / "queue.wav", bpm=126, duration=35, seed=5)
    # Polled every 0.1 s: the wait is measured, not the rate limit.
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False), "LIBRARY_DIR": str(library),
           "MEDIA_DIR": str(media), "RENDER_SIZE": "640x360", "RENDER_CPUS": "1", "JOB_LAUNCHER": "local",
           "PASSWORD_ITERATIONS": BENCH_ITERATIONS}  # fmt: skip
    started = time.monotonic()
    peak_running, refusals = 0, 0
    with serve(var / "renders", **env) as base, httpx.Client(base_url=base, timeout=30) as client:
        tokens = []
        for email, _ in register(base, count, "render-"):
            tokens.append(client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()["access"])
        pending = {index: 0.0 for index in range(count)}  # dancer -> when to (re)try
        task_ids: dict[int, str] = {}
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:
            for index, when in list(pending.items()):
                if time.monotonic() < when:
                    continue
                response = client.post(
                    "/api/choreography/generate",
                    headers={"Authorization": f"Bearer {tokens[index]}"},
                    json={"song": "songs/queue.wav", "difficulty": "beginner"},
                )
                if response.status_code == 202:
                    task_ids[index] = response.json()["task_id"]
                    del pending[index]
                else:
                    assert response.status_code == 429, response.text
                    refusals += 1
                    pending[index] = time.monotonic() + float(response.headers.get("Retry-After", "5"))
            with engine.connect() as connection:
                statuses = dict(connection.execute(text(
                    "SELECT status, count(*) FROM choreography_tasks GROUP BY status")).all())  # fmt: skip
            peak_running = max(peak_running, statuses.get("running", 0) + statuses.get("started", 0))
            if not pending and statuses.get("completed", 0) + statuses.get("failed", 0) >= count:
                break
            time.sleep(0.5)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT task_id, status, error, result FROM choreography_tasks")).all()
    engine.dispose()
    completed = [row for row in rows if row.status == "completed"]
    videos = [row for row in completed if (media / row.result["video_path"]).is_file()]
    return {
        "renders": count,
        "rows": len(rows),
        "completed": len(completed),
        "videos_present": len(videos),
        "failed": [(row.task_id, row.error) for row in rows if row.status == "failed"],
        "peak_running": peak_running,
        "cap": 3,
        "refused_then_retried": refusals,
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def run_click_to_video(server: ThrowawayPostgres, runs: int) -> dict:
    """A dancer's wait, from POST generate to a completed row, for new 3-minute songs at 1280x720, 2 CPUs.

    The local launcher starts `python -m ray_pipeline` per task, as `make run` does. The library is the real
    one when it is beside this checkout (prepared once in a cache kept under var/bench/), else the demo one.
    """
    engine = fresh_database(server, "click")
    var = CLICK_VAR
    library = get_settings().library_dir
    if not (library / "move_embeddings.json").exists():
        library = make_library(var / "library")
    media = var / "media"
    songs = [
        make_song(media / "songs" / f"click{i}.wav", bpm=120 + 3 * i, duration=180, seed=40 + i) for i in range(runs)
    ]
    # Polled every 0.1 s: the wait is measured, not the rate limit.
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False), "LIBRARY_DIR": str(library),
           "MEDIA_DIR": str(media), "RENDER_SIZE": "1280x720", "RENDER_CPUS": "2", "JOB_LAUNCHER": "local",
           "PASSWORD_ITERATIONS": BENCH_ITERATIONS, "VAR_DIR": str(var),
           "RATE_LIMIT_PER_MINUTE": "100000"}  # fmt: skip
    prepare = [sys.executable, "-m", "ray_pipeline.library_cli", "prepare", "--library", str(library),
               "--format", "1280x720", "--cpus", "2"]  # fmt: skip
    subprocess.run(prepare, env={**os.environ, **env}, check=True, capture_output=True)  # once: kept in var/bench
    waits = []
    with serve(var, **env) as base, httpx.Client(base_url=base, timeout=30) as client:
        [(email, _)] = register(base, 1, "click-")
        token = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        for song in songs:
            clicked = time.monotonic()
            body = {"song": f"songs/{song.path.name}", "difficulty": "intermediate"}
            task = client.post("/api/choreography/generate", headers=headers, json=body).json()["task_id"]
            while (row := client.get(f"/api/choreography/tasks/{task}", headers=headers).json())["status"] not in (
                "completed",
                "failed",
            ):
                time.sleep(0.1)
            assert row["status"] == "completed", row
            waits.append(round(time.monotonic() - clicked, 2))
            time.sleep(1)  # the previous render's process exits
    engine.dispose()
    # The first click also starts the launcher's standing Ray node, which the later renders join.
    return {"songs": runs, "seconds": waits, "first_seconds": waits[0], "median_seconds": statistics.median(waits[1:]),
            "library": str(library)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="none: skip the load test")
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--clicks", type=int, default=4, help="click-to-video runs (new 3-minute songs), at least 2")
    args = parser.parse_args()
    if args.clicks == 1:
        parser.error("--clicks: 0, or at least 2 (the first render also starts the Ray node)")
    random.seed(7)
    server = ThrowawayPostgres(find_bin_dir()).start()
    report: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "users": args.users,
                    "seconds": args.seconds, "load": {}}  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
            for workers in args.workers:
                result = run_load(server, workers, args.users, args.seconds, Path(scratch))
                report["load"][f"{workers} worker(s)"] = result
                print(f"\n{args.users} dancers, {args.seconds:.0f} s, {workers} uvicorn worker(s), PostgreSQL 15:")
                for kind, row in result.items():
                    print(f"  {kind:<10} " + ", ".join(f"{k} {v}" for k, v in row.items()))
            if args.renders:
                report["renders"] = run_renders(server, args.renders, Path(scratch))
                print("\nrenders through the local launcher: " + json.dumps(report["renders"]))
            if args.clicks:
                report["click_to_video"] = run_click_to_video(server, args.clicks)
                print("\nclick to video (POST generate to completed): " + json.dumps(report["click_to_video"]))
    finally:
        server.stop()
    path = save_report("load", report)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
