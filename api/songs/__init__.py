"""The song library and per-user uploads."""
