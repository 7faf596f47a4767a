"""deblock: find and fix blocking I/O, N+1 queries, per-request connections and uncached hot paths."""

__version__ = "0.1.0"
