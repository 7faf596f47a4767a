"""The DBK301 fix, measured: the Flask demo's `/reports/authors` builds a SQLAlchemy engine
(and opens a database connection) on every request; after `deblock check --fix
--unsafe-fixes` it builds one engine per process and reuses its pooled connection, with
the same responses.

The app runs in a subprocess (`run_pooling_flask.py`) on real SQLite files, the original
folder and the fixed copy each in their own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_harness import DEMO, HERE, fixed_copy

REQUESTS = 4


def _report_runs(app_dir: Path, tmp: Path) -> dict[str, object]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in fixtures/demo
    for name in ("DATABASE_URL", "ANALYTICS_DATABASE_URL"):
        env.pop(name, None)
    tmp.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, str(HERE / "run_pooling_flask.py"), str(app_dir), str(REQUESTS), str(tmp)],
        check=False, cwd=app_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"run_pooling_flask.py failed on {app_dir}\n{proc.stderr[-6000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tmp_path_factory.mktemp("pooling")
    copy, proc = fixed_copy("flask_blog", root / "fixed")
    fixed_routes = (copy / "blog" / "routes.py").read_text(encoding="utf-8")
    assert "_engine_for(current_app.config" in fixed_routes, f"DBK301 fix not applied\n{proc.stdout}{proc.stderr}"
    return {
        "original": _report_runs(DEMO / "flask_blog", root / "run-original"),
        "fixed": _report_runs(copy, root / "run-fixed"),
    }


def test_original_builds_an_engine_per_request(runs: dict[str, dict[str, object]]) -> None:
    assert runs["original"]["engines"] == REQUESTS
    assert runs["original"]["connections"] == REQUESTS


def test_fixed_builds_one_engine_and_reuses_its_connection(runs: dict[str, dict[str, object]]) -> None:
    assert runs["fixed"]["engines"] == 1
    assert runs["fixed"]["connections"] == 1


def test_fixed_responses_are_unchanged(runs: dict[str, dict[str, object]]) -> None:
    original, fixed = runs["original"]["responses"], runs["fixed"]["responses"]
    assert [r["status"] for r in original] == [200] * REQUESTS
    assert fixed == original
    assert original[0]["body"] == [
        {"author_id": 3, "views": 300}, {"author_id": 1, "views": 150}, {"author_id": 2, "views": 50},
    ]
