"""Audio whose header lies about its length: the decompression bombs of issue 14."""

from __future__ import annotations

import struct
import subprocess
import time
from pathlib import Path

STREAMINFO_SAMPLES = slice(18, 26)  # "fLaC", the block header, then 10 bytes of sizes: rate, channels, bits, samples


def lying_flac(path: Path, *, claims: float, holds: float, rate: int = 8000) -> Path:
    """A FLAC of ``holds`` seconds of silence whose STREAMINFO says it lasts ``claims`` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono",
                    "-t", str(holds), "-c:a", "flac", str(path)], check=True)  # fmt: skip
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0, "the first metadata block must be STREAMINFO"
    (word,) = struct.unpack(">Q", data[STREAMINFO_SAMPLES])
    total_samples_bits = (1 << 36) - 1  # the low 36 bits of those 8 bytes
    data[STREAMINFO_SAMPLES] = struct.pack(">Q", (word & ~total_samples_bits) | int(claims * rate))
    path.write_bytes(bytes(data))
    return path


def peak_rss_mb(process: subprocess.Popen, interval: float = 0.02) -> float:
    """The process's own peak resident memory (its VmHWM, read until it exits), once it has exited.

    Not rusage, and no reading before the exec: a child forked from the test runner carries the runner's
    memory and high-water mark until it has exec'd its own command line.
    """
    proc = Path(f"/proc/{process.pid}")
    own_command = "\0".join(map(str, process.args)) + "\0"
    peak = 0
    while process.poll() is None:
        try:
            if (proc / "cmdline").read_text() == own_command:
                fields = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines())
                peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
        except (OSError, ValueError):
            pass
        time.sleep(interval)
    return peak / 1024
