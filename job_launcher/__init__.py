"""Starts one render execution per choreography task."""
