"""fixtures/rules/DBKnnn/: whole files and small projects with inline expectations.

A `# DBKnnn` comment on a line means "this rule fires on this line" (several codes
may share a line). The set of (file, line, code) found must equal the set
annotated. Where the rule offers fixes, the fixed text of each file must equal its
golden `<file>.fixed` (rewrite with `pytest --update-golden`), and a re-check of
the fixed text must offer no further fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from deblock.codemods.apply import fix_source
from deblock.config import Settings, load_file
from deblock.engine import check, check_source

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


FIXABLE = [
    pytest.param(path, id=f"{path.parent.name}/{path.name}")
    for folder in RULE_DIRS
    for path in sorted(folder.glob("*.py"))
]


@pytest.mark.parametrize("path", FIXABLE)
def test_fixed_golden(path: Path, update_golden: bool) -> None:
    settings = _settings(path.parent).replace(unsafe_fixes=True)
    source = path.read_text(encoding="utf-8")
    findings = check_source(source, settings, path.name, path.stem)
    golden = path.with_name(path.name + ".fixed")
    fixable = [f for f in findings if f.fix is not None]
    if not fixable:
        assert not golden.exists(), f"{golden.name} exists but the file offers no fix"
        return
    outcome = fix_source(source, findings, lambda text: check_source(text, settings, path.name, path.stem), True)
    assert outcome.error is None, outcome.error
    ast.parse(outcome.source)
    assert [f for f in check_source(outcome.source, settings, path.name, path.stem) if f.fix] == []
    if update_golden:
        golden.write_text(outcome.source, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden.name}: run pytest --update-golden"
    assert outcome.source == golden.read_text(encoding="utf-8")
