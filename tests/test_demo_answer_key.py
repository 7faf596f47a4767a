"""The demo's answer key (fixtures/demo/README.md), as data: `deblock check fixtures/demo`
reports every planted problem, at its line and with its code, and nothing else (the
"correct code that must stay silent" list included)."""

from __future__ import annotations

from pathlib import Path

from deblock.config import Settings
from deblock.engine import check

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

ANSWER_KEY = {
    # Blocking calls on the event loop (DBK1xx)
    ("django_shop/catalog/async_views.py", 24, "DBK101"),
    ("django_shop/catalog/async_views.py", 32, "DBK120"),
    ("django_shop/catalog/async_views.py", 40, "DBK120"),
    ("django_shop/catalog/async_views.py", 45, "DBK110"),
    ("django_shop/catalog/async_views.py", 50, "DBK110"),
    ("django_shop/catalog/async_views.py", 51, "DBK110"),
    ("fastapi_orders/orders/routers/orders.py", 45, "DBK131"),
    ("fastapi_orders/orders/routers/orders.py", 46, "DBK111"),
    ("fastapi_orders/orders/routers/orders.py", 49, "DBK102"),
    ("fastapi_orders/orders/routers/orders.py", 55, "DBK131"),
    ("fastapi_orders/orders/routers/orders.py", 58, "DBK120"),
    ("fastapi_orders/orders/routers/orders.py", 69, "DBK101"),
    ("fastapi_orders/orders/routers/orders.py", 94, "DBK130"),
    ("fastapi_orders/orders/routers/reports.py", 20, "DBK131"),
    ("fastapi_orders/orders/routers/reports.py", 24, "DBK111"),
    ("flask_blog/blog/routes.py", 85, "DBK111"),
    # Queries (DBK2xx)
    ("django_shop/catalog/views.py", 53, "DBK201"),
    ("django_shop/catalog/views.py", 55, "DBK202"),
    ("django_shop/catalog/views.py", 64, "DBK207"),
    ("django_shop/catalog/views.py", 75, "DBK205"),
    ("django_shop/catalog/views.py", 77, "DBK206"),
    ("django_shop/catalog/views.py", 78, "DBK206"),
    ("django_shop/catalog/async_views.py", 34, "DBK206"),  # the judgement call: a write per ISBN
    ("django_shop/catalog/api.py", 10, "DBK203"),
    ("django_shop/catalog/api.py", 15, "DBK203"),
    ("django_shop/catalog/admin.py", 13, "DBK204"),
    ("django_shop/catalog/admin.py", 27, "DBK206"),
    ("fastapi_orders/orders/routers/orders.py", 39, "DBK201"),
    ("flask_blog/blog/routes.py", 29, "DBK201"),
    ("flask_blog/blog/routes.py", 30, "DBK201"),
    ("flask_blog/blog/services.py", 44, "DBK205"),
    ("flask_blog/blog/services.py", 46, "DBK206"),
    # Connections and clients (DBK3xx)
    ("django_shop/catalog/views.py", 27, "DBK302"),
    ("flask_blog/blog/routes.py", 75, "DBK301"),
    ("fastapi_orders/orders/routers/reports.py", 30, "DBK303"),
    ("fastapi_orders/orders/routers/orders.py", 49, "DBK304"),
    ("django_shop/catalog/services.py", 24, "DBK304"),
    ("fastapi_orders/orders/services.py", 31, "DBK304"),
    ("fastapi_orders/orders/services.py", 40, "DBK304"),
    # Caching and scaling (DBK4xx): uncached reads on GET paths (at the read) and their
    # endpoints without cache headers (at the def)
    ("django_shop/catalog/views.py", 39, "DBK401"),
    ("django_shop/catalog/views.py", 37, "DBK403"),
    ("flask_blog/blog/routes.py", 38, "DBK401"),
    ("flask_blog/blog/routes.py", 37, "DBK403"),
    ("fastapi_orders/orders/routers/orders.py", 29, "DBK401"),
    ("fastapi_orders/orders/routers/orders.py", 28, "DBK403"),
    ("django_shop/catalog/views.py", 49, "DBK401"),  # order_history: also a cacheable list (info)
    ("django_shop/catalog/views.py", 47, "DBK403"),
    ("django_shop/catalog/views.py", 63, "DBK401"),  # catalog_stats: two counts
    ("django_shop/catalog/views.py", 64, "DBK401"),
    ("django_shop/catalog/views.py", 62, "DBK403"),
    ("flask_blog/blog/routes.py", 24, "DBK401"),  # the blog index
    ("flask_blog/blog/routes.py", 22, "DBK403"),
    ("flask_blog/blog/services.py", 24, "DBK402"),
    ("django_shop/catalog/views.py", 21, "DBK406"),
    ("flask_blog/blog/routes.py", 17, "DBK406"),
}


def test_demo_reports_exactly_the_answer_key() -> None:
    settings = Settings(root=DEMO)
    result = check([DEMO], settings, use_cache=False)
    found = {(f.path, f.span.line, f.code) for f in result.findings}  # paths relative to the demo root
    assert not result.errors
    assert found - ANSWER_KEY == set(), "findings the answer key does not list (false positives, or a key to update)"
    assert ANSWER_KEY - found == set(), "planted problems deblock no longer reports"
