"""Run the Django demo shop on a fresh SQLite file and count the queries of its list endpoints.

Usage: python run_django.py APP_DIR N DB_PATH

APP_DIR is `fixtures/demo/django_shop` or a (fixed) copy of it. The script seeds N rows of
each kind, requests every endpoint twice (a warm-up, then the measured request) and prints
`{endpoint: {"status", "body", "queries"}}` as JSON on stdout. It runs in its own process
because Django settings are process-global.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stubs

ENDPOINTS = {
    "order_history": "/orders/history/",
    "api_books": "/api/books/",
    "api_orders": "/api/orders/",
    "admin_books": "/admin/catalog/book/",
    "admin_orders": "/admin/catalog/order/",
}

GENRES = ["Fiction", "History", "Science", "Poetry"]
EPOCH = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)


def seed(n: int) -> None:
    from catalog.models import Author, Book, Customer, Genre, Order, OrderLine
    from django.contrib.auth.models import User

    genres = [Genre.objects.create(name=name) for name in GENRES]
    books = []
    for i in range(n):
        author = Author.objects.create(name=f"Author {i:02d}", bio=f"Bio of author {i}")
        book = Book.objects.create(
            title=f"Book {i:02d}",
            isbn=f"978{i:010d}",
            author=author,
            price=Decimal("10.00") + i,
            stock=5 + i,
        )
        book.genres.add(genres[i % len(genres)], genres[(i + 1) % len(genres)])
        books.append(book)
    for i in range(n):
        customer = Customer.objects.create(name=f"Customer {i:02d}", email=f"customer{i:02d}@example.test")
        order = Order.objects.create(customer=customer, status=Order.Status.values[i % 3])
        # auto_now_add ignores the value passed to create(); pin it so bodies compare across runs.
        Order.objects.filter(pk=order.pk).update(created_at=EPOCH + timedelta(hours=i))
        for j in range(2):
            book = books[(i + j) % n]
            OrderLine.objects.create(order=order, book=book, quantity=1 + j, unit_price=book.price)
    User.objects.create_superuser("admin", "admin@example.test", "not-a-secret")


_RESULT_LIST = re.compile(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', re.DOTALL)
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def admin_rows(content: str) -> dict[str, object]:
    """The changelist rows as cell texts, plus a digest of their exact HTML."""
    match = _RESULT_LIST.search(content)
    if match is None:
        return {"rows": None, "sha256": None}
    tbody = match.group(1)
    rows = [
        [html.unescape(_TAG.sub("", cell)).strip() for cell in _CELL.findall(row)]
        for row in _ROW.findall(tbody)
    ]
    return {"rows": rows, "sha256": hashlib.sha256(tbody.encode()).hexdigest()}


def measure(n: int) -> dict[str, dict[str, object]]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    seed(n)

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    results = {}
    for name, url in ENDPOINTS.items():
        client.get(url)  # warm-up: first-hit caches (content types, URL resolvers) stay out of the count
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        if name.startswith("admin_"):
            body: object = admin_rows(response.content.decode())
        elif response.get("Content-Type", "").startswith("application/json"):
            body = response.json()
        else:
            body = response.content.decode(errors="replace")[:2000]
        results[name] = {
            "status": response.status_code,
            "body": body,
            "queries": len(ctx.captured_queries),
            "sql": [q["sql"] for q in ctx.captured_queries],
        }
    return results


def main(measure_with: Callable[[int], dict[str, dict[str, object]]] = measure) -> None:
    """Set the app up from `APP_DIR N DB_PATH`, run `measure_with(N)`, print its JSON
    (the caching runner reuses this with its own measurement)."""
    app_dir, n, db_path = Path(sys.argv[1]).resolve(), int(sys.argv[2]), sys.argv[3]
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DJANGO_DB_PATH"] = db_path
    sys.path.insert(0, str(app_dir))
    _stubs.install()
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        results = measure_with(n)
    finally:
        sys.stdout = real_stdout
    json.dump(results, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
