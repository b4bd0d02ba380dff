"""The output formats a render can be made in: size and frame rate, landscape or portrait."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFormat:
    """Size and frame rate of a rendered video (and of the prepared clips it is cut from)."""

    width: int
    height: int
    fps: int = 30

    @classmethod
    def parse(cls, size: str, fps: int = 30) -> OutputFormat:
        """From "1280x720"; both sides even (H.264 4:2:0 needs that)."""
        width, _, height = size.lower().partition("x")
        if not (width.isdigit() and height.isdigit()):
            raise ValueError(f"size must look like 1280x720, not {size!r}")
        if (
            int(width) % 2
            or int(height) % 2
            or not (64 <= min(int(width), int(height)) <= max(int(width), int(height)) <= 3840)
        ):
            raise ValueError(f"size {size} must have even sides between 64 and 3840")
        return cls(int(width), int(height), fps)

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def turned(self, *, portrait: bool) -> OutputFormat:
        """The same format in the given orientation (720x1280 for a portrait 1280x720)."""
        long, short = max(self.width, self.height), min(self.width, self.height)
        return OutputFormat(short, long, self.fps) if portrait else OutputFormat(long, short, self.fps)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"
