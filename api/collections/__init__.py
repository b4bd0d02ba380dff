"""Saved choreographies: the dancer's collection."""
