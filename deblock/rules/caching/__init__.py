"""DBK4xx: caching — uncached hot paths, cache misuse, missing HTTP cache headers, and
process-local state behind several workers."""
