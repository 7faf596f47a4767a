"""Request every view of fixtures/projects/django_library through Django's test client on a
fresh SQLite file and print `{request: {"status", "body"} | {"error", "message"}}` as JSON.

Usage: python -W error::RuntimeWarning run_django_library.py APP_DIR DB_PATH wsgi|asgi

`wsgi` uses the sync `Client` (the original project's behaviour), `asgi` the `AsyncClient`
with Django's async-safety guard on. Exceptions a view raises are recorded by type.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demo"))

REQUESTS: list[tuple[str, str, str, Any]] = [
    ("api_books", "get", "/books/", None),
    ("stats", "get", "/books/stats/", None),
    ("book_detail", "get", "/books/1/", None),
    ("book_missing", "get", "/books/99/", None),
    ("loans", "get", "/loans/", None),
    ("lend", "post_json", "/loans/", {"book": 2, "member": 1}),
    ("loans_after", "get", "/loans/", None),
    ("member", "get", "/members/1/", None),
    ("member_email", "post", "/members/1/", {"email": "  Ada@Example.TEST "}),
    ("tags", "get", "/tags/", None),
    ("export_counts", "get", "/export/counts/", None),
    ("export_authors", "get", "/export/authors/", None),
    ("audit_badge", "get", "/audit/badge/", None),
    ("stats_after", "get", "/books/stats/", None),
]


def seed() -> None:
    from lending.models import Author, Book, Loan, Member, Tag

    tags = [Tag.objects.create(slug=slug) for slug in ("classic", "poetry", "sci-fi")]
    for i in range(3):
        author = Author.objects.create(name=f"Author {i}")
        for j in range(2):
            book = Book.objects.create(title=f"Book {i}-{j}", author=author, copies=2 + j)
            book.tags.set(tags[: 1 + (i + j) % 3])
    members = [Member.objects.create(name=f"Member {i}", email=f"m{i}@example.test") for i in range(2)]
    Loan.objects.create(book_id=1, member=members[1])


def call(client: Any, method: str, url: str, data: Any) -> Any:
    if method == "get":
        return client.get(url)
    if method == "post_json":
        return client.post(url, data=json.dumps(data), content_type="application/json")
    return client.post(url, data=data)


def run_wsgi() -> dict[str, dict[str, object]]:
    from django.test import Client
    from run_django_asgi import body_of

    client, results = Client(), {}
    for name, method, url, data in REQUESTS:
        try:
            response = call(client, method, url, data)
            results[name] = {"status": response.status_code, "body": body_of(response)}
        except Exception as exc:  # noqa: BLE001 - recorded: the comparison is the test
            results[name] = {"error": type(exc).__name__, "message": str(exc)[:300]}
    return results


async def run_asgi() -> dict[str, dict[str, object]]:
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient
    from run_django_asgi import body_of

    client, results = AsyncClient(), {}
    for name, method, url, data in REQUESTS:
        try:
            response = await call(client, method, url, data)
            results[name] = {"status": response.status_code, "body": await sync_to_async(body_of)(response)}
        except Exception as exc:  # noqa: BLE001
            results[name] = {"error": type(exc).__name__, "message": str(exc)[:300]}
    return results


def main() -> None:
    app_dir, db_path, mode = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    os.environ["DJANGO_SETTINGS_MODULE"] = "library_site.settings"
    os.environ["DJANGO_DB_PATH"] = db_path
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    sys.path.insert(0, str(app_dir))
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", run_syncdb=True, verbosity=0)
        seed()
        results = run_wsgi() if mode == "wsgi" else asyncio.run(run_asgi())
    finally:
        sys.stdout = real_stdout
    json.dump(results, sys.stdout, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
