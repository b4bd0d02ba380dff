"""Benchmarks run by make bench (reports, never assertions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save_report(kind: str, report: dict) -> Path:
    """Keep a benchmark's report as results/<kind>-<UTC time>.json; the path, for the printout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=1))
    return path
