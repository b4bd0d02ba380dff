"""Benchmarks run by make bench (reports, never assertions)."""
