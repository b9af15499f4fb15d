"""Incremental checking: the cache between runs, the worker pool and re-checking what changed."""
