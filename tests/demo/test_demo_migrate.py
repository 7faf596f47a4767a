"""`deblock migrate` on the demo Django shop, verified by running it.

A copy of `fixtures/demo/django_shop` is migrated (`--apply --unsafe`, and `--apply`
alone), then every view of the original and of the migrated copies is requested through
Django's ASGI `AsyncClient` on real SQLite (`run_django_asgi.py`, seeded like the
query-count tests, outbound HTTP and redis stubbed at the library level).

The reference is the original code run with Django's async-safety guard off
(`DJANGO_ALLOW_ASYNC_UNSAFE`), i.e. what its views were meant to answer: the original
with the guard on raises `SynchronousOnlyOperation` in `stock_level` and `author_books`.
Every migrated view must answer exactly the reference (status and body) with the guard
on, and no view may raise.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from demo_harness import DEMO, run_json_script

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_django_asgi.py"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "*.db")


def run_views(app_dir: Path, mode: str) -> dict[str, dict[str, object]]:
    results = run_json_script(RUNNER, app_dir, mode)
    results.pop("<stderr>")
    return results


def migrated_copy(root: Path, *flags: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    copy = root / "django_shop"
    shutil.copytree(DEMO / "django_shop", copy, ignore=_IGNORE)
    (copy / "deblock.toml").write_text('target-django = "5.2"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "deblock", "migrate", "--apply", *flags, "--no-cache", str(copy)],
                          check=False, cwd=root, capture_output=True, text=True, timeout=300)
    return copy, proc


class _Runs:
    def __init__(self, tmp: pytest.TempPathFactory) -> None:
        self.reference = run_views(DEMO / "django_shop", "unguarded")
        self.original = run_views(DEMO / "django_shop", "guarded")
        self.copies = {}
        for variant, flags in (("unsafe", ("--unsafe",)), ("safe", ())):
            copy, proc = migrated_copy(tmp.mktemp(variant), *flags)
            self.copies[variant] = (copy, proc, run_views(copy, "guarded"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> _Runs:
    return _Runs(tmp_path_factory)


def _sources(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}


def test_original_raises_where_the_guard_is_on(runs: _Runs) -> None:
    raised = {name for name, result in runs.original.items() if result.get("error")}
    assert raised == {"stock_level", "author_books", "stock_level_after"}
    assert {runs.original[n]["error"] for n in raised} == {"SynchronousOnlyOperation"}
    assert not any(result.get("error") for result in runs.reference.values())


@pytest.mark.parametrize("variant", ["unsafe", "safe"])
def test_migration_succeeds_and_rechecks_clean(runs: _Runs, variant: str) -> None:
    copy, proc, _ = runs.copies[variant]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Remaining on migrated paths: no DBK110/DBK111/DBK120 findings." in proc.stdout
    for path, text in _sources(copy).items():
        ast.parse(text, filename=path)
    check = subprocess.run([sys.executable, "-m", "deblock", "check", "--select", "DBK110,DBK120", "--no-cache",
                            "--output-format", "json", str(copy)],
                           check=False, cwd=copy.parent, capture_output=True, text=True, timeout=300)
    assert json.loads(check.stdout) == [], check.stdout


@pytest.mark.parametrize("variant", ["unsafe", "safe"])
def test_every_view_answers_like_the_original(runs: _Runs, variant: str) -> None:
    _, _, migrated = runs.copies[variant]
    assert set(migrated) == set(runs.reference)
    errors = {name: result for name, result in migrated.items() if result.get("error")}
    assert errors == {}
    different = {name: (runs.reference[name], migrated[name]) for name in migrated if migrated[name] != runs.reference[name]}
    assert different == {}


def test_unsafe_migration_recolours_the_call_chain(runs: _Runs) -> None:
    copy, _, _ = runs.copies["unsafe"]
    views = (copy / "catalog" / "views.py").read_text(encoding="utf-8")
    services = (copy / "catalog" / "services.py").read_text(encoding="utf-8")
    for view in ("book_detail", "catalog_stats", "checkout", "reprice_catalogue"):
        assert f"async def {view}(" in views
    assert "\ndef order_history(" in views  # kept sync: `order.lines.count()` is implicit ORM I/O
    assert "\ndef bestsellers(" in views  # no async twin to use: unchanged
    assert "order = await sync_to_async(_checkout_atomic)()" in views
    for fn in ("_backoff", "_get_json", "fetch_quote", "refresh_prices"):
        assert f"async def {fn}(" in services
    assert "async with httpx.AsyncClient() as client:" in services and "requests" not in services
    admin = (copy / "catalog" / "admin.py").read_text(encoding="utf-8")
    assert "async_to_sync(services.refresh_prices)(" in admin


def test_safe_migration_keeps_unsafe_swaps_out(runs: _Runs) -> None:
    copy, proc, _ = runs.copies["safe"]
    services = (copy / "catalog" / "services.py").read_text(encoding="utf-8")
    assert services == (DEMO / "django_shop" / "catalog" / "services.py").read_text(encoding="utf-8")
    views = (copy / "catalog" / "views.py").read_text(encoding="utf-8")
    assert "prices = await sync_to_async(services.refresh_prices)(" in views
    assert "Kept sync by migrate (3):" in proc.stdout
