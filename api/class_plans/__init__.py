"""Instructors' class plans built from saved choreographies."""
