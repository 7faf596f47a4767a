"""Request the Django demo shop's cacheable GET endpoints twice and count each request's queries.

Usage: python run_caching_django.py APP_DIR N DB_PATH

APP_DIR is `fixtures/demo/django_shop` or a (fixed) copy of it. The script seeds N rows of
each kind (the query-count runner's data) and, in a fresh process with Django's locmem cache
(the demo's `CACHES`), requests each endpoint twice; it prints `{endpoint: {"status",
"body", "first", "second"}}` (query counts of the two requests) as JSON on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_django import main, seed

ENDPOINTS = {
    "bestsellers": "/books/bestsellers/",  # views.py:39, the DBK401 read the fix wraps in cache.get_or_set
}


def measure(n: int) -> dict[str, dict[str, object]]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    seed(n)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    results = {}
    for name, url in ENDPOINTS.items():
        counts, bodies, statuses = [], [], []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            counts.append(len(ctx.captured_queries))
            bodies.append(response.json())
            statuses.append(response.status_code)
        assert bodies[0] == bodies[1] and statuses[0] == statuses[1], f"{url}: two identical requests differ"
        results[name] = {"status": statuses[0], "body": bodies[0], "first": counts[0], "second": counts[1]}
    return results


if __name__ == "__main__":
    main(measure)
