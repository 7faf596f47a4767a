"""The DBK401 fix, measured: the Django demo's `/books/bestsellers/` runs its aggregate on
every request; after `deblock check --fix --unsafe-fixes` the read goes through
`cache.get_or_set`, so with the demo's locmem cache a second identical request runs no
query, and the response is the same. The FastAPI demo (which already uses cachetools)
gets the cachetools form: `/products/{id}` reads its row through a `TTLCache`.

Each app runs in a subprocess (`run_caching_django.py`, `run_caching_fastapi.py`) on a fresh
SQLite file, the original folder and the fixed copy each in their own process (and so
with an empty cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_harness import DEMO, HERE, fixed_copy

ROWS = 4


def _run_fastapi(app_dir: Path, tmp: Path) -> dict[str, object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in fixtures/demo
    env.pop("ORDERS_DATABASE_URL", None)
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, str(HERE / "run_caching_fastapi.py"), str(app_dir), str(tmp / "orders.sqlite3")],
        check=False, cwd=app_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"run_caching_fastapi.py failed on {app_dir}\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout)


def _run(app_dir: Path, tmp: Path) -> dict[str, dict[str, object]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in fixtures/demo
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, str(HERE / "run_caching_django.py"), str(app_dir), str(ROWS), str(tmp / "demo.sqlite3")],
        check=False, cwd=app_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"run_caching_django.py failed on {app_dir}\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, object]]]:
    root = tmp_path_factory.mktemp("caching")
    copy, proc = fixed_copy("django_shop", root / "fixed")
    views = (copy / "catalog" / "views.py").read_text(encoding="utf-8")
    assert "cache.get_or_set(" in views, f"DBK401 fix not applied\n{proc.stdout}{proc.stderr}"
    return {"original": _run(DEMO / "django_shop", root / "run-original"), "fixed": _run(copy, root / "run-fixed")}


def test_original_queries_on_every_request(runs: dict[str, dict[str, dict[str, object]]]) -> None:
    original = runs["original"]["bestsellers"]
    assert original["first"] > 0
    assert original["second"] == original["first"]


def test_fixed_second_identical_request_runs_no_query(runs: dict[str, dict[str, dict[str, object]]]) -> None:
    original, fixed = runs["original"]["bestsellers"], runs["fixed"]["bestsellers"]
    assert fixed["first"] == original["first"]
    assert fixed["second"] == 0
    assert (fixed["status"], fixed["body"]) == (original["status"], original["body"])
    assert fixed["body"]["results"], "the seeded orders must give the endpoint rows to cache"


@pytest.fixture(scope="module")
def fastapi_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tmp_path_factory.mktemp("caching-fastapi")
    copy, proc = fixed_copy("fastapi_orders", root / "fixed")
    routes = (copy / "orders" / "routers" / "orders.py").read_text(encoding="utf-8")
    assert "_cached_read((" in routes, f"DBK401 cachetools fix not applied\n{proc.stdout}{proc.stderr}"
    return {"original": _run_fastapi(DEMO / "fastapi_orders", root / "run-original"),
            "fixed": _run_fastapi(copy, root / "run-fixed")}


def test_fastapi_product_read_served_from_cachetools(fastapi_runs: dict[str, dict[str, object]]) -> None:
    original, fixed = fastapi_runs["original"], fastapi_runs["fixed"]
    assert original["first"] == original["second"] == 1
    assert (fixed["first"], fixed["second"]) == (1, 0)
    assert original["status"] == 200
    assert (fixed["status"], fixed["body"]) == (original["status"], original["body"])
