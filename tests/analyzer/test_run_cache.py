"""The run-level result cache: hit only when deblock's code, the settings and every
file are unchanged; anything else recomputes."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblock import engine
from deblock.config import Settings

SOURCE = "import time\n\nasync def f():\n    time.sleep(1)\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(SOURCE)
    (tmp_path / "other.py").write_text("x = 1\n")
    return tmp_path


def settings(root: Path, **changes: object) -> Settings:
    return Settings(root=root, cache_dir=root / ".cache").replace(**changes)


def forbid_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run should have been answered from the cache")

    monkeypatch.setattr(engine, "run_rules", fail)
    monkeypatch.setattr(engine, "gather_facts", fail)


def test_unchanged_run_is_answered_from_the_cache(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = engine.check([tree], settings(tree))
    forbid_work(monkeypatch)
    second = engine.check([tree], settings(tree))
    assert second.findings == first.findings and [f.code for f in first.findings] == ["DBK101"]


def test_project_is_still_available_after_a_hit(tree: Path) -> None:
    engine.check([tree], settings(tree))
    result = engine.check([tree], settings(tree))
    assert set(result.project.modules) == {"app", "other"}


def test_changed_file_recomputes(tree: Path) -> None:
    engine.check([tree], settings(tree))
    (tree / "app.py").write_text(SOURCE.replace("time.sleep(1)", "pass"))
    assert engine.check([tree], settings(tree)).findings == []


def test_changed_settings_recompute(tree: Path) -> None:
    assert engine.check([tree], settings(tree)).findings
    assert engine.check([tree], settings(tree, ignore=("DBK101",))).findings == []


def test_added_file_recomputes(tree: Path) -> None:
    engine.check([tree], settings(tree))
    (tree / "more.py").write_text(SOURCE)
    assert len(engine.check([tree], settings(tree)).findings) == 2


def test_overlay_is_part_of_the_key(tree: Path) -> None:
    engine.check([tree], settings(tree))
    overlay = {"app.py": b"async def f():\n    pass\n"}
    assert engine.check([tree], settings(tree), overlay=overlay).findings == []


def test_corrupt_run_entry_is_a_miss(tree: Path) -> None:
    engine.check([tree], settings(tree))
    for entry in (tree / ".cache" / "runs").glob("*.pickle"):
        entry.write_bytes(b"garbage")
    assert [f.code for f in engine.check([tree], settings(tree)).findings] == ["DBK101"]


def test_no_cache_never_reads_results(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.check([tree], settings(tree))
    calls = []
    real = engine.run_rules
    monkeypatch.setattr(engine, "run_rules", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine.check([tree], settings(tree), use_cache=False)
    assert calls == [1]


def test_dependency_files_are_part_of_the_key(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.check([tree], settings(tree))
    (tree / "requirements.txt").write_text("Django>=4.2\n")
    calls = []
    real = engine.run_rules
    monkeypatch.setattr(engine, "run_rules", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine.check([tree], settings(tree))
    assert calls == [1], "a changed requirements file must recompute"


def test_deployment_files_are_part_of_the_key(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "Procfile").write_text("web: gunicorn app:app\n")
    engine.check([tree], settings(tree))
    (tree / "Procfile").write_text("web: gunicorn app:app --workers 4\n")
    calls = []
    real = engine.run_rules
    monkeypatch.setattr(engine, "run_rules", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine.check([tree], settings(tree))
    assert calls == [1], "a changed Procfile must recompute (DBK406 reads the worker count)"
