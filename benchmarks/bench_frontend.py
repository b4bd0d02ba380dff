"""`make bench` (part 2): bundle size of the built app and its first load on loopback, cold, in Chromium."""

from __future__ import annotations

import gzip
import json
import statistics
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bachata_common.settings import PROJECT_ROOT
from benchmarks import save_report
from tests.support.server import serve

DIST = PROJECT_ROOT / "frontend" / "dist"
RUNS = 10


def main() -> None:
    assets = sorted((DIST / "assets").iterdir())
    bundle = {
        path.name: {"bytes": path.stat().st_size, "gzip_bytes": len(gzip.compress(path.read_bytes()))}
        for path in assets
    }
    with tempfile.TemporaryDirectory() as var, serve(Path(var), DATABASE_URL=f"sqlite:///{var}/bench.db") as base:
        output = subprocess.run(
            ["node", str(PROJECT_ROOT / "benchmarks" / "first_load.mjs"), base, str(RUNS)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
    loads = json.loads(output.strip().splitlines()[-1])
    interactive = sorted(load["interactive_ms"] for load in loads)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "bundle": bundle,
        "runs": loads,
        "first_load_ms": {"median": statistics.median(interactive), "max": interactive[-1]},
        "target_ms": 2000,
    }
    path = save_report("frontend", report)
    for name, size in bundle.items():
        print(f"{name:<28} {size['bytes'] / 1024:7.1f} KiB  ({size['gzip_bytes'] / 1024:.1f} KiB gzip)")
    print(
        f"first load (cold, loopback, {RUNS} runs): median {report['first_load_ms']['median']} ms, "
        f"max {report['first_load_ms']['max']} ms (target 2000 ms)"
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
