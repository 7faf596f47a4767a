"""Registry, naming, documentation and example invariants that hold for every rule."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from deblock.docs import pages
from deblock.model import FixAvailability
from deblock.rules import Invalid, Rule, all_rules
from deblock.rules._base import CODE_PATTERN, REQUIRED_HEADINGS

from conftest import FIXTURES, ROOT

FAMILY_DIGIT = {"meta": ("0", "9"), "blocking": ("1",), "queries": ("2",), "pooling": ("3",), "caching": ("4",), "migration": ("5",)}
RULES = [pytest.param(r, id=r.code) for r in all_rules()]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_codes_are_unique_and_well_formed() -> None:
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    assert all(CODE_PATTERN.match(c) for c in codes)
    names = [r.name for r in all_rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES)
def test_family_folder_matches_code(rule: type[Rule]) -> None:
    family = rule.__module__.split(".")[2]
    assert family in FAMILY_DIGIT, f"unknown family folder {family}"
    assert rule.code[3] in FAMILY_DIGIT[family]


@pytest.mark.parametrize("rule", RULES)
def test_file_class_and_name_agree(rule: type[Rule]) -> None:
    module_file = rule.__module__.rsplit(".", 1)[1]
    assert module_file == _snake(rule.__name__)
    assert rule.name == module_file.replace("_", "-")
    assert not rule.name.startswith(("no-", "avoid-")), "name the pattern, not the fix"


@pytest.mark.parametrize("rule", RULES)
def test_docstring_headings(rule: type[Rule]) -> None:
    docs = rule.docs()
    positions = [docs.find(h) for h in REQUIRED_HEADINGS]
    assert all(p >= 0 for p in positions), f"missing one of {REQUIRED_HEADINGS}"
    assert positions == sorted(positions), "headings out of order"
    assert "Use instead:" in docs
    fixable = rule.fix_availability is not FixAvailability.NONE
    assert ("## Fix safety" in docs) == fixable, "`## Fix safety` iff the rule can fix"
    assert (rule.fix_title is not None) == fixable, "`fix_title` iff the rule can fix"


@pytest.mark.parametrize("rule", RULES)
def test_examples_match_fix_availability(rule: type[Rule]) -> None:
    if rule.emitted_by_engine:
        assert not rule.invalid
        return
    assert len(rule.valid) >= 2 and len(rule.invalid) >= 2, "at least two valid and two invalid examples"
    invalid = [c if isinstance(c, Invalid) else Invalid(c) for c in rule.invalid]
    with_fix = [c for c in invalid if c.fixed is not None]
    if rule.fix_availability is FixAvailability.ALWAYS:
        assert len(with_fix) == len(invalid), "ALWAYS-fixable: every invalid example needs `fixed=`"
    elif rule.fix_availability is FixAvailability.SOMETIMES:
        assert with_fix, "SOMETIMES-fixable: at least one invalid example needs `fixed=`"
    else:
        assert not with_fix, "a rule without fixes cannot declare `fixed=`"


@pytest.mark.parametrize("rule", RULES)
def test_rule_module_within_size_budget(rule: type[Rule]) -> None:
    lines = len(inspect.getsource(inspect.getmodule(rule)).splitlines())
    assert lines <= 150, f"{lines} lines: move logic to analyzer/facts or data tables"


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.code) for r in all_rules() if not r.emitted_by_engine])
def test_fixture_directory_exists(rule: type[Rule]) -> None:
    folder = FIXTURES / "rules" / rule.code
    assert folder.is_dir() and any(folder.rglob("*.py")), f"add fixtures/rules/{rule.code}/"


def test_docs_are_up_to_date() -> None:
    folder = ROOT / "docs" / "rules"
    expected = pages()
    actual = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert actual == expected, "docs/rules is stale: run `python scripts/gen_docs.py`"


def test_changelog_mentions_every_code() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    missing = [r.code for r in all_rules() if r.code not in changelog]
    assert not missing, f"CHANGELOG.md does not mention {missing}"


def test_rule_docs_render_in_cli() -> None:
    from click.testing import CliRunner

    from deblock.cli import main

    for rule in all_rules():
        result = CliRunner().invoke(main, ["rule", rule.code])
        assert result.exit_code == 0, result.output
        assert rule.name in result.output and "What it does" in result.output
    assert Path(ROOT / "docs" / "rules" / "index.md").is_file()
