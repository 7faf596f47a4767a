"""Request the FastAPI demo's `/products/{id}` twice and count each request's queries.

Usage: python run_caching_fastapi.py APP_DIR DB_PATH

APP_DIR is `fixtures/demo/fastapi_orders` or a (fixed) copy of it. The script points the
app at a fresh SQLite file (`ORDERS_DATABASE_URL`, read when `orders.db` is imported; the
tables are created on import), seeds three products, counts the SQL statements of two
identical requests with a `before_cursor_execute` listener on the app's engine, and prints
`{"status", "body", "first", "second"}` as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stubs


def measure() -> dict[str, object]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from orders.db import SessionLocal, engine
    from orders.main import app
    from orders.models import Product

    with SessionLocal() as session:
        for i in range(1, 4):
            session.add(Product(sku=f"SKU-{i}", name=f"Product {i}", price=Decimal("9.50") + i, stock=i))
        session.commit()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counts, bodies, statuses = [], [], []
    with TestClient(app) as client:
        for _ in range(2):
            before = len(statements)
            response = client.get("/products/2")
            counts.append(len(statements) - before)
            bodies.append(response.json())
            statuses.append(response.status_code)
    assert bodies[0] == bodies[1] and statuses[0] == statuses[1], "two identical requests differ"
    return {"status": statuses[0], "body": bodies[0], "first": counts[0], "second": counts[1]}


def main() -> None:
    app_dir, db_path = Path(sys.argv[1]).resolve(), sys.argv[2]
    os.environ["ORDERS_DATABASE_URL"] = f"sqlite:///{db_path}"
    sys.path.insert(0, str(app_dir))
    _stubs.install()
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        result = measure()
    finally:
        sys.stdout = real_stdout
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
