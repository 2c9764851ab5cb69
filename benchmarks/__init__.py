"""Benchmarks of the course: `make bench` writes BENCHMARKS.md and benchmarks/results.json."""
