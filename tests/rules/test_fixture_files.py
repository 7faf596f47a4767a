"""fixtures/rules/DBKnnn/: whole files and small projects with inline expectations.

A `# DBKnnn` comment on a line means "this rule fires on this line" (several codes
may share a line). The set of (file, line, code) found must equal the set
annotated. Where the rule offers fixes, fixing the whole folder must turn each
changed file into its golden `<file>.fixed` (rewrite with `pytest --update-golden`),
and a re-check of the fixed folder must offer no further fix.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from deblock.config import Settings, load_file
from deblock.engine import check
from deblock.runner import apply_fixes

from conftest import FIXTURES

EXPECTATION = re.compile(r"#\s*(DBK\d{3})\b")
RULE_DIRS = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())


def _settings(folder: Path) -> Settings:
    """The rule alone; a `deblock.toml` in the folder adds its settings (e.g. DBK100's calls)."""
    config = folder / "deblock.toml"
    base = load_file(config) if config.is_file() else Settings(root=folder)
    return base.replace(select=(folder.name,), cache_dir=None)


def _expected(folder: Path) -> set[tuple[str, int, str]]:
    expected = set()
    for path in folder.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            comment = line[line.index("#"):] if "#" in line else ""
            for code in EXPECTATION.findall(comment):
                expected.add((path.relative_to(folder).as_posix(), number, code))
    return expected


@pytest.mark.parametrize("folder", [pytest.param(p, id=p.name) for p in RULE_DIRS])
def test_findings_match_annotations(folder: Path) -> None:
    result = check([folder], _settings(folder), use_cache=False)
    found = {(f.path, f.span.line, f.code) for f in result.findings}
    assert found == _expected(folder)


@pytest.mark.parametrize("folder", [pytest.param(p, id=p.name) for p in RULE_DIRS])
def test_fixed_goldens(folder: Path, tmp_path: Path, update_golden: bool) -> None:
    """`check --fix --unsafe-fixes` on a copy of the whole folder (project rules see every
    module): each changed file equals its golden, unchanged files have none, every fixed
    file parses, and a re-check offers no further fix."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.fixed", "__pycache__"))
    settings = _settings(copy).replace(unsafe_fixes=True)
    result = check([copy], settings, use_cache=False)
    fixed, _, _, errors = apply_fixes(result, unsafe=True)
    assert errors == [], [e.message for e in errors]
    goldens = {g.relative_to(folder).as_posix().removesuffix(".fixed") for g in folder.rglob("*.py.fixed")}
    for relpath, text in fixed.items():
        ast.parse(text)
        golden = folder / (relpath + ".fixed")
        if update_golden:
            golden.write_text(text, encoding="utf-8")
            goldens.add(relpath)
        assert golden.exists(), f"missing golden {relpath}.fixed: run pytest --update-golden"
        assert text == golden.read_text(encoding="utf-8"), relpath
    stale = goldens - set(fixed)
    if update_golden:
        for relpath in stale:
            (folder / (relpath + ".fixed")).unlink()
    else:
        assert not stale, f"goldens for files that get no fix: {sorted(stale)}"
    for relpath, text in fixed.items():
        (copy / relpath).write_text(text, encoding="utf-8")
    again = check([copy], settings, use_cache=False)
    assert [(f.path, f.code, f.span.line) for f in again.findings if f.fix is not None] == []
