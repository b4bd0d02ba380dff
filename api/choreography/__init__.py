"""Render tasks: generate, describe, poll, cancel."""
