"""Seed the Flask demo blog, or request its endpoints through Flask's or Quart's test client.

Usage:
  python run_flask_quart.py seed APP_DIR DB_DIR      # original app: fresh SQLite files, seeded
  python run_flask_quart.py flask APP_DIR DB_DIR     # requests through Flask's test client
  python run_flask_quart.py quart APP_DIR DB_DIR     # requests through Quart's test client

`DB_DIR` holds `blog.sqlite3` and `analytics.sqlite3`. The request script (REQUESTS) reads
and writes: every run must start from its own copy of the seeded files. Prints
`[{"request", "status", "body"}]` as JSON on stdout. Outbound HTTP is never made (the
seeded posts contain no links).
"""

from __future__ import annotations

import asyncio
import json
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stubs
from run_flask import seed
from run_pooling_flask import create_analytics_db

_stubs.install()

# (method, url, json body): every endpoint of the blog, reads and writes, a 404 on each lookup.
REQUESTS: list[tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/posts/post-01", None),
    ("GET", "/posts/no-such-post", None),
    ("POST", "/posts/post-01/comments", {"name": "Ada", "body": "Nice post"}),
    ("POST", "/posts/no-such-post/comments", {"name": "Ada", "body": "lost"}),
    ("GET", "/", None),
    ("GET", "/tags", None),
    ("POST", "/tags/import", {"names": ["rust", "python", "go"]}),
    ("GET", "/tags", None),
    ("GET", "/reports/authors", None),
    ("GET", "/posts/post-02/links", None),
    ("GET", "/posts/no-such-post/links", None),
]


def _config(db_dir: Path) -> dict[str, object]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_dir / 'blog.sqlite3'}",
        "ANALYTICS_DATABASE_URI": f"sqlite:///{db_dir / 'analytics.sqlite3'}",
        "TESTING": True,
    }


def _body(data: bytes, is_json: bool) -> object:
    return json.loads(data) if is_json else data.decode("utf-8", "replace")[:200]


def run_seed(db_dir: Path) -> None:
    from blog import create_app

    create_analytics_db(db_dir / "analytics.sqlite3")
    app = create_app(_config(db_dir))
    with app.app_context():
        seed(4)


def run_flask(db_dir: Path) -> list[dict[str, object]]:
    from blog import create_app

    client = create_app(_config(db_dir)).test_client()
    results = []
    for method, url, payload in REQUESTS:
        response = client.open(url, method=method, json=payload)
        results.append({"request": f"{method} {url}", "status": response.status_code,
                        "body": _body(response.get_data(), response.is_json)})
    return results


async def run_quart(db_dir: Path) -> list[dict[str, object]]:
    from blog import create_app

    app = create_app(_config(db_dir))
    results = []
    async with app.test_app() as test_app:  # runs the before/after-serving hooks, like a server
        client = test_app.test_client()
        for method, url, payload in REQUESTS:
            response = await client.open(url, method=method, json=payload)
            results.append({"request": f"{method} {url}", "status": response.status_code,
                            "body": _body(await response.get_data(), response.is_json)})
    return results


def main() -> None:
    mode, app_dir, db_dir = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve()
    sys.path.insert(0, str(app_dir))
    warnings.simplefilter("error", RuntimeWarning)  # a coroutine never awaited fails the run
    if mode == "seed":
        run_seed(db_dir)
        return
    results = run_flask(db_dir) if mode == "flask" else asyncio.run(run_quart(db_dir))
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
