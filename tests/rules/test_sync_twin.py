"""Metamorphic test (flake8-async's test_noerror_on_sync_code): strip `async`/`await`
from every DBK1xx fixture and no DBK1xx rule may fire on the result."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from deblock.config import Settings, load_file
from deblock.engine import check

from conftest import FIXTURES


class StripAsync(cst.CSTTransformer):
    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated.with_changes(asynchronous=None)

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        return updated.expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        return updated.with_changes(asynchronous=None)

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        return updated.with_changes(asynchronous=None)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        return updated.with_changes(asynchronous=None)


BLOCKING_DIRS = sorted(p for p in (FIXTURES / "rules").glob("DBK1*") if p.is_dir())


@pytest.mark.parametrize("folder", [pytest.param(p, id=p.name) for p in BLOCKING_DIRS])
def test_sync_twin_is_silent(folder: Path, tmp_path: Path) -> None:
    for source in folder.rglob("*.py"):
        target = tmp_path / source.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(cst.parse_module(source.read_text()).visit(StripAsync()).code)
    config = folder / "deblock.toml"
    base = load_file(config) if config.is_file() else Settings()
    settings = base.replace(root=tmp_path, select=("DBK1",), cache_dir=None)
    original = check([folder], settings.replace(root=folder), use_cache=False)
    assert original.findings, "the fixture itself must fire, or the twin proves nothing"
    twin = check([tmp_path], settings, use_cache=False)
    assert twin.findings == []
