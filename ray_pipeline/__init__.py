"""The render job: analyse a song, match moves, cut them from the prepared library and mux the video."""

import os
import sys

# Transparent huge pages are dear on the virtual machines renders run on (measured here: hearing a song's beats
# spent 2.4 s of its 3.5 s in the kernel, 0.2 s without): numpy asks for them on every array of 4 MB and up
# unless told not to, which it reads when it is first imported, so this comes before anything imports it.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

from bachata_common.paths import PROJECT_ROOT  # not the settings: the hearing processes never need them

# Set before anything imports librosa or ray; Ray workers inherit them from the driver's environment.
# librosa's numba JIT costs 25-77 s per cold process; a persistent cache makes it a one-time cost.
os.environ.setdefault("NUMBA_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache" / "numba"))
# Measured on Ray 2.60: with this set every port binds 127.0.0.1 (otherwise all interfaces); no usage reporting.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# A head started by ray.init asks every driver for the token it keeps in ~/.ray/auth_token; a driver joining a
# standing node sends it only in this mode. Ray reads it when it is imported (and half of it again when it
# starts a head): set after that, the two halves disagree and no head starts, so only before.
if "ray" not in sys.modules:
    os.environ.setdefault("RAY_AUTH_MODE", "token")
# Under `uv run` Ray would start every worker through `uv run` too, re-syncing the environment and
# recompiling ~8,700 files per worker (measured: +20 s per render); workers use the driver's interpreter.
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
# ultralytics must neither download anything at run time nor write its settings under ~/.config.
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_CONFIG_DIR", str(PROJECT_ROOT / "var" / "cache" / "ultralytics"))
