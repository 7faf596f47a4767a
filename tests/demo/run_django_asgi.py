"""Run every view of the Django demo shop through Django's ASGI `AsyncClient` on a fresh
SQLite file and print `{request: {"status", "body"} | {"error", "message"}}` as JSON.

Usage: python run_django_asgi.py APP_DIR DB_PATH MODE

MODE is "guarded" (Django's async-safety guard on, as in production) or "unguarded"
(`DJANGO_ALLOW_ASYNC_UNSAFE`: sync ORM calls on the event loop run instead of raising,
which gives the original code's intended responses to compare a migration against).

Outbound I/O is stubbed at the library level, identically for sync and async code: an
in-memory `redis.Redis`, a `requests` module whose `get` answers like the price feed,
and `httpx` clients with a mock transport giving the same answers. Seeded with
`run_django.seed` (the query-count tests' data). Exceptions a view raises are recorded
by type (so `SynchronousOnlyOperation` shows), not raised.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

ISBN = f"978{1:010d}"
REQUESTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("book_detail", "get", "/books/1/", None),
    ("bestsellers", "get", "/books/bestsellers/", None),
    ("catalog_stats", "get", "/books/stats/", None),
    ("order_history", "get", "/orders/history/", None),
    ("stock_level", "get", f"/stock/{ISBN}/", None),
    ("author_books", "get", "/authors/1/books/", None),
    ("live_quote", "get", f"/prices/{ISBN}/live/", None),
    ("supplier_quote", "get", f"/prices/{ISBN}/supplier/", None),
    ("export_status", "get", "/exports/job-1/status/", None),
    ("api_books", "get", "/api/books/", None),
    ("checkout", "post_json", "/checkout/",
     {"email": "customer00@example.test", "lines": [{"book_id": 1, "quantity": 1}, {"book_id": 2, "quantity": 2}]}),
    ("reprice_books", "post", "/prices/refresh/", {"isbn": [ISBN, f"978{2:010d}"]}),
    ("warm_prices", "post", "/prices/warm/", {}),
    ("reprice_catalogue", "post", "/backoffice/reprice/", {}),
    ("admin_refresh_prices", "post", "/admin/catalog/book/",
     {"action": "refresh_prices", "_selected_action": ["1", "2"], "index": "0"}),
    ("api_books_after", "get", "/api/books/", None),
    ("stock_level_after", "get", f"/stock/{ISBN}/", None),
]


def feed_price(url: str) -> dict[str, str]:
    isbn = url.rstrip("/").rpartition("/")[2]
    return {"price": str(Decimal(int(isbn[-3:]) + 20) + Decimal("0.5"))}


def install_stubs() -> None:
    counters: dict[str, int] = {}

    class Redis:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def incr(self, key: str, amount: int = 1) -> int:
            counters[key] = counters.get(key, 0) + amount
            return counters[key]

    redis = types.ModuleType("redis")
    redis.Redis = Redis  # type: ignore[attr-defined]
    redis.StrictRedis = Redis  # type: ignore[attr-defined]
    sys.modules["redis"] = redis

    class Response:
        status_code = 200

        def __init__(self, url: str) -> None:
            self._payload = feed_price(url)

        def json(self) -> dict[str, str]:
            return self._payload

    requests = types.ModuleType("requests")
    requests.get = lambda url, *args, **kwargs: Response(url)  # type: ignore[attr-defined]
    sys.modules["requests"] = requests

    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=feed_price(str(request.url))))
    for client in (httpx.AsyncClient, httpx.Client):
        original = client.__init__

        def init(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> None:
            kwargs.setdefault("transport", transport)
            _original(self, *args, **kwargs)
        client.__init__ = init  # type: ignore[method-assign]


def body_of(response: Any) -> object:
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()
    if 300 <= response.status_code < 400:
        return {"location": response.get("Location")}
    return response.content.decode(errors="replace")[:500]


async def run_requests() -> dict[str, dict[str, object]]:
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import AsyncClient

    await cache.aset("export:job-1", "done")
    client = AsyncClient()
    await client.aforce_login(await User.objects.aget(username="admin"))
    results: dict[str, dict[str, object]] = {}
    for name, method, url, data in REQUESTS:
        try:
            if method == "get":
                response = await client.get(url)
            elif method == "post_json":
                response = await client.post(url, data=json.dumps(data), content_type="application/json")
            else:
                response = await client.post(url, data=data or {})
            results[name] = {"status": response.status_code, "body": await sync_to_async(body_of)(response)}
        except Exception as exc:  # noqa: BLE001 - recorded: the comparison is the test
            results[name] = {"error": type(exc).__name__, "message": str(exc)[:300]}
    return results


def main() -> None:
    app_dir, db_path, mode = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DJANGO_DB_PATH"] = db_path
    if mode == "unguarded":
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(app_dir))
    install_stubs()
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", run_syncdb=True, verbosity=0)
        from run_django import seed

        seed(3)
        results = asyncio.run(run_requests())
    finally:
        sys.stdout = real_stdout
    json.dump(results, sys.stdout, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
