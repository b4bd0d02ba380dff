"""Rendered videos and their count tracks, streamed to their owners."""
