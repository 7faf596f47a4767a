"""`deblock migrate`: dry-run diff and exit codes, --apply, errors as one line with exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from deblock.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "migrate_django"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "migrate_django"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["migrate", *args, "--no-cache"])
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}


def test_dry_run_prints_a_diff_and_exits_1(project: Path) -> None:
    before = snapshot(project)
    code, out, err = run(".")
    assert code == 1
    assert out.startswith("--- a/shop/management/commands/report.py\n+++ b/shop/management/commands/report.py\n")
    assert "+async def detail(request, isbn):" in out
    assert "Migrated 3 file(s), 20 edit(s):" in err and "Kept sync by migrate (1):" in err
    assert "Remaining on migrated paths: no DBK110/DBK111/DBK120 findings." in err
    assert snapshot(project) == before


def test_apply_writes_then_nothing_is_left(project: Path) -> None:
    code, out, _ = run(".", "--apply")
    assert code == 0
    assert "Migrated 3 file(s)" in out
    assert (project / "shop" / "views.py").read_text(encoding="utf-8") == (
        FIXTURE / "expected" / "shop" / "views.py.expected").read_text(encoding="utf-8")
    code, out, err = run(".")
    assert (code, out) == (0, "")
    assert err.startswith("Nothing to migrate.")


def test_entry_selection(project: Path) -> None:
    code, out, _ = run(".", "--entry", "shop.views.stock")
    assert code == 1
    assert "+async def stock(request, isbn):" in out and "async def detail" not in out


def test_unknown_entry_is_a_usage_error(project: Path) -> None:
    code, _, err = run(".", "--entry", "shop.views.stok")
    assert code == 2
    assert err.startswith("deblock: error: --entry 'shop.views.stok' matches no entry point or function")
    assert err.count("\n") == 1


def test_missing_path(project: Path) -> None:
    code, _, err = run("nowhere")
    assert code == 2 and err == "deblock: error: nowhere: no such file or directory\n"


def test_output_that_does_not_parse_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import deblock.migration.migrate as engine

    real = engine.apply_fixes

    def broken(source: str, fixes: list, filename: str = "") -> tuple[str, list]:
        text, located = real(source, fixes, filename)
        return (text + "def (:\n", located) if filename.endswith("views.py") else (text, located)

    monkeypatch.setattr(engine, "apply_fixes", broken)
    before = snapshot(project)
    code, _, err = run(".", "--apply")
    assert code == 2
    assert err == ("deblock: error: shop/views.py: the migrated file does not parse (line 60); "
                   "nothing was written\n")
    assert snapshot(project) == before
