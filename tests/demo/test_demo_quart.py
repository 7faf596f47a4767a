"""`deblock migrate --target quart` on the demo Flask blog, verified by running it.

A copy of `fixtures/demo/flask_blog` is migrated to Quart + SQLAlchemy's AsyncSession
(`--apply`, with and without `--unsafe`). One seeded SQLite database (made by the original
app) is copied for each run; the same request script (`run_flask_quart.py`: every endpoint,
reads, writes and 404s) goes through Flask's test client on the original and through
Quart's test client on the migrated copy. Every answer must be identical, with no
`MissingGreenlet` and no coroutine left un-awaited (RuntimeWarnings are errors there).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from demo_harness import DEMO

pytest.importorskip("quart")
pytest.importorskip("aiosqlite")

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_flask_quart.py"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "*.db")


def _run(mode: str, app_dir: Path, db_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in fixtures/demo
    for name in ("DATABASE_URL", "ANALYTICS_DATABASE_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, str(RUNNER), mode, str(app_dir), str(db_dir)], check=False, cwd=db_dir,
                          env=env, capture_output=True, text=True, timeout=300)


def _responses(mode: str, app_dir: Path, seed: Path, db_dir: Path) -> list[dict[str, object]]:
    shutil.copytree(seed, db_dir)
    proc = _run(mode, app_dir, db_dir)
    assert proc.returncode == 0, f"{mode} run of {app_dir} failed\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout)


def _migrate(root: Path, *flags: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    copy = root / "flask_blog"
    shutil.copytree(DEMO / "flask_blog", copy, ignore=_IGNORE)
    proc = subprocess.run([sys.executable, "-m", "deblock", "migrate", "--target", "quart", "--apply", *flags,
                           "--no-cache", str(copy)], check=False, cwd=root, capture_output=True, text=True, timeout=300)
    return copy, proc


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, object]]]:
    seed = tmp_path_factory.mktemp("seed")
    proc = _run("seed", DEMO / "flask_blog", seed)
    assert proc.returncode == 0, proc.stderr[-6000:]
    return seed, _responses("flask", DEMO / "flask_blog", seed, tmp_path_factory.mktemp("flask") / "db")


@pytest.mark.parametrize("flags", [("--unsafe",), ()], ids=["unsafe", "safe"])
def test_migrated_blog_answers_like_the_flask_original(reference, tmp_path: Path, flags: tuple[str, ...]) -> None:
    seed, expected = reference
    copy, proc = _migrate(tmp_path, *flags)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no DBK110/DBK111/DBK120 findings" in proc.stdout
    package = copy / "blog"
    assert (package / "quart_db.py").is_file()
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m.split(".")[0] in ("flask", "flask_sqlalchemy")}, path.name
    routes = (package / "routes.py").read_text(encoding="utf-8")
    assert ".query." not in routes and "async def index" in routes and "awaitable_attrs.author" in routes

    assert _responses("quart", copy, seed, tmp_path / "db") == expected
    statuses = [r["status"] for r in expected]
    assert statuses.count(404) == 3 and 201 in statuses  # the script really exercises lookups and writes


def test_migrating_the_migrated_blog_again_changes_nothing(tmp_path: Path) -> None:
    copy, proc = _migrate(tmp_path, "--unsafe")
    assert proc.returncode == 0, proc.stderr
    before = {p: p.read_text(encoding="utf-8") for p in copy.rglob("*.py")}
    again = subprocess.run([sys.executable, "-m", "deblock", "migrate", "--target", "quart", "--unsafe", "--no-cache",
                            str(copy)], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == ""
    assert {p: p.read_text(encoding="utf-8") for p in copy.rglob("*.py")} == before
