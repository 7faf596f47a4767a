"""Run a demo app (the original in fixtures/demo or a fixed copy) and count its queries.

Each app runs in its own subprocess (`run_django.py`, `run_flask.py`): Django settings and
the imported app modules are process-global, and the same harness has to load the
original app folder and a fixed copy of it side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent.parent / "fixtures" / "demo"

RUNNERS = {"django_shop": HERE / "run_django.py", "flask_blog": HERE / "run_flask.py"}

# (app, endpoint) pairs that run one query per row in the original code (README answer key).
N_PLUS_ONE = [
    ("django_shop", "order_history"),  # views.py:49-55, Order.customer and order.lines.count()
    ("django_shop", "api_books"),  # api.py:10 + serializers.py:9-10, author.name and genres
    ("django_shop", "api_orders"),  # api.py:15 + serializers.py:18, 26, customer.email and lines
    ("django_shop", "admin_books"),  # admin.py:13, 19, genre_list walks book.genres.all()
    ("flask_blog", "index"),  # routes.py:24-30, post.author.name and len(post.comments)
]
# Listed in the answer key (admin.py:38), but already constant at run time: when
# `list_select_related` is False, the admin changelist calls `select_related()` itself as
# soon as `list_display` names a ForeignKey. The fix must keep it constant and identical.
ALREADY_CONSTANT = [
    ("django_shop", "admin_orders"),
]

SMALL, LARGE = 3, 6

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "*.db")


def measure(app_dir: Path, n: int) -> dict[str, dict[str, object]]:
    """Seed `n` rows of each kind into a fresh SQLite file and hit every list endpoint.

    Returns `{endpoint: {"status", "body", "queries", "sql"}}`. The runner is chosen by
    the folder's name (`django_shop`, `flask_blog`), so a copy must keep that name.
    """
    app_dir = Path(app_dir).resolve()
    runner = RUNNERS[app_dir.name]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in fixtures/demo
    env["PYTHONHASHSEED"] = "0"
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ANALYTICS_DATABASE_URL"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="deblock-demo-") as tmp:
        db_path = str(Path(tmp) / "demo.sqlite3")
        proc = subprocess.run(
            [sys.executable, str(runner), str(app_dir), str(n), db_path],
            check=False,
            cwd=app_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    if proc.returncode != 0:
        raise AssertionError(
            f"{runner.name} failed on {app_dir} (n={n}, exit {proc.returncode})\n"
            f"--- stderr ---\n{proc.stderr[-6000:]}\n--- stdout ---\n{proc.stdout[-2000:]}"
        )
    return json.loads(proc.stdout)


def run_json_script(runner: Path, app_dir: Path, *args: str, python_flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run `python [flags] runner APP_DIR DB_PATH *args` in `app_dir` on a fresh SQLite file and
    return the JSON it prints (the ASGI migration runners). Raises with the stderr tail if
    the script fails; stderr is returned under the key `"<stderr>"`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the fixtures
    env["PYTHONHASHSEED"] = "0"
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="deblock-migrate-") as tmp:
        proc = subprocess.run([sys.executable, *python_flags, str(runner), str(app_dir), str(Path(tmp) / "app.sqlite3"),
                               *args], check=False, cwd=app_dir, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{runner.name} failed on {app_dir}\n{proc.stderr[-6000:]}"
    return {**json.loads(proc.stdout), "<stderr>": proc.stderr}


def fixed_copy(app: str, dest_root: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Copy `fixtures/demo/<app>` under `dest_root` and run `deblock check --fix --unsafe-fixes` on it."""
    copy = Path(dest_root) / app
    shutil.copytree(DEMO / app, copy, ignore=_IGNORE)
    proc = subprocess.run(
        [sys.executable, "-m", "deblock", "check", "--isolated", "--fix", "--unsafe-fixes", "--no-cache", str(copy)],
        check=False,
        cwd=dest_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return copy, proc
