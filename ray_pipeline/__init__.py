"""The render job: analyse a song, match moves, cut them from the prepared library and mux the video."""

import os

from bachata_common.settings import PROJECT_ROOT

# Set before anything imports librosa or ray; Ray workers inherit them from the driver's environment.
# librosa's numba JIT costs 25-77 s per cold process; a persistent cache makes it a one-time cost.
os.environ.setdefault("NUMBA_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache" / "numba"))
# Measured on Ray 2.60: with this set every port binds 127.0.0.1 (otherwise all interfaces); no usage reporting.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# Under `uv run` Ray would start every worker through `uv run` too, re-syncing the environment and
# recompiling ~8,700 files per worker (measured: +20 s per render); workers use the driver's interpreter.
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
# ultralytics must neither download anything at run time nor write its settings under ~/.config.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", str(PROJECT_ROOT / "var" / "cache" / "ultralytics"))
