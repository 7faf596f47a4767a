"""DBK2xx: N+1 queries, queries and writes in loops, wasteful QuerySet evaluation."""
