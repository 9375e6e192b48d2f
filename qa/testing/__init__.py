"""Helpers for tests and benchmarks: real, tiny translation models that need no download."""
