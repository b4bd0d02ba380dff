"""What can go wrong in a render, split by whether a retry could help."""

from __future__ import annotations


class RenderError(Exception):
    """Base of every render failure; ``message`` is what the dancer sees."""

    retryable = False

    def __init__(self, message: str, *, cause: str | None = None):
        super().__init__(message)
        self.message = message
        self.cause = cause or message


class BadInput(RenderError):
    """The request cannot succeed as given (unreadable or unsuitable song, nothing matches): no retry."""


class TransientFault(RenderError):
    """Storage, index or database trouble: exit non-zero so the execution is retried."""

    retryable = True


class FFmpegError(RenderError):
    """ffmpeg or ffprobe exited non-zero; carries the end of its stderr."""

    def __init__(self, program: str, stderr: str, *, lines: int = 12):
        tail = "\n".join(stderr.strip().splitlines()[-lines:])
        super().__init__("Video generation failed", cause=f"{program} failed: {tail}")
        self.stderr_tail = tail
