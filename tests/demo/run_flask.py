"""Run the Flask demo blog on a fresh SQLite file and count the queries of its list endpoints.

Usage: python run_flask.py APP_DIR N DB_PATH

APP_DIR is `fixtures/demo/flask_blog` or a (fixed) copy of it. The script seeds N rows of
each kind, requests every endpoint twice (a warm-up, then the measured request) and prints
`{endpoint: {"status", "body", "queries"}}` as JSON on stdout. Queries are counted with a
`before_cursor_execute` listener on the app's engine.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stubs

ENDPOINTS = {"index": "/"}

TAGS = ["python", "flask", "sql", "web"]
EPOCH = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)


def seed(n: int) -> None:
    from blog.models import Comment, Post, Tag, User, db

    tags = [Tag(name=name) for name in TAGS]
    db.session.add_all(tags)
    for i in range(n):
        user = User(username=f"user{i:02d}", name=f"User {i:02d}")
        post = Post(
            slug=f"post-{i:02d}",
            title=f"Post {i:02d}",
            body=f"Paragraph one of post {i}.\n\nParagraph two.",
            published_at=EPOCH + timedelta(days=i),
            author=user,
            tags=[tags[i % len(tags)], tags[(i + 1) % len(tags)]],
        )
        for j in range(1 + i % 3):
            post.comments.append(
                Comment(
                    author_name=f"Reader {j}",
                    body=f"Comment {j} on post {i}",
                    created_at=EPOCH + timedelta(days=i, minutes=j),
                )
            )
        db.session.add(post)
    db.session.commit()


def measure(n: int, db_path: str) -> dict[str, dict[str, object]]:
    from blog import create_app
    from blog.models import db
    from sqlalchemy import event

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "TESTING": True})
    with app.app_context():
        seed(n)
        engine = db.engine
    # The app context ends here, so the seeding session (and its identity map) is gone:
    # each request starts with a fresh session, as in production.

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    results = {}
    for name, url in ENDPOINTS.items():
        client.get(url)  # warm-up
        statements.clear()
        response = client.get(url)
        results[name] = {
            "status": response.status_code,
            "body": response.get_json() if response.is_json else response.get_data(as_text=True)[:2000],
            "queries": len(statements),
            "sql": list(statements),
        }
    return results


def main() -> None:
    app_dir, n, db_path = Path(sys.argv[1]).resolve(), int(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, str(app_dir))
    _stubs.install()
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # only the JSON result goes to stdout
    try:
        results = measure(n, db_path)
    finally:
        sys.stdout = real_stdout
    json.dump(results, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
