"""Run the Flask demo blog's `/reports/authors` several times and count the SQLAlchemy
engines (and database connections) it builds for the analytics database.

Usage: python run_pooling_flask.py APP_DIR REQUESTS TMP_DIR

APP_DIR is `fixtures/demo/flask_blog` or a (fixed) copy of it. The script creates the
analytics database the report reads (a `page_views` table in a fresh SQLite file), wraps
`sqlalchemy.create_engine` before the app is imported (so `from sqlalchemy import
create_engine` in the app binds the wrapper), requests the report REQUESTS times and
prints `{"engines", "connections", "responses"}` as JSON on stdout.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stubs

PAGE_VIEWS = [(1, 120), (2, 45), (1, 30), (3, 300), (2, 5)]


def create_analytics_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE page_views (author_id INTEGER NOT NULL, views INTEGER NOT NULL)")
        conn.executemany("INSERT INTO page_views (author_id, views) VALUES (?, ?)", PAGE_VIEWS)
    conn.close()


def measure(requests: int, tmp: Path) -> dict[str, object]:
    import sqlalchemy
    from sqlalchemy import event

    analytics = tmp / "analytics.sqlite3"
    create_analytics_db(analytics)
    analytics_url = f"sqlite:///{analytics}"
    counts = {"engines": 0, "connections": 0}
    real_create_engine = sqlalchemy.create_engine

    def on_connect(dbapi_connection: object, record: object) -> None:
        counts["connections"] += 1

    def counting_create_engine(url: object, *args: object, **kwargs: object) -> object:
        engine = real_create_engine(url, *args, **kwargs)
        if str(url) == analytics_url:
            counts["engines"] += 1
            event.listen(engine, "connect", on_connect)
        return engine

    sqlalchemy.create_engine = counting_create_engine  # type: ignore[assignment]

    from blog import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'blog.sqlite3'}",
        "ANALYTICS_DATABASE_URI": analytics_url,
        "TESTING": True,
    })
    client = app.test_client()
    responses = []
    for _ in range(requests):
        response = client.get("/reports/authors")
        responses.append({"status": response.status_code, "body": response.get_json()})
    return {**counts, "responses": responses}


def main() -> None:
    app_dir, requests, tmp = Path(sys.argv[1]).resolve(), int(sys.argv[2]), Path(sys.argv[3])
    sys.path.insert(0, str(app_dir))
    _stubs.install()
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        results = measure(requests, tmp)
    finally:
        sys.stdout = real_stdout
    json.dump(results, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
