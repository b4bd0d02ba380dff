"""The render job: analyse a song, match moves, render and stitch the choreography video."""

import os

from bachata_common.settings import PROJECT_ROOT

# librosa's numba JIT costs 25-77 s per cold process; a persistent cache makes it a one-time cost.
# Set before anything imports librosa; Ray workers inherit it from the driver's environment.
os.environ.setdefault("NUMBA_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache" / "numba"))
