"""The fix runner's guarantees: broken output is reverted, loops are bounded."""

from __future__ import annotations

import pytest

from deblock.codemods import apply
from deblock.codemods.apply import MAX_PASSES, edits_for, fix_source, non_overlapping
from deblock.config import Settings
from deblock.engine import check_source
from deblock.model import Applicability, Finding, Fix, Span

SOURCE = "import time\n\nasync def f():\n    time.sleep(1)\n"
SETTINGS = Settings(select=("DBK101",))


def findings(text: str = SOURCE) -> list[Finding]:
    return check_source(text, SETTINGS)


def test_output_that_does_not_parse_is_reverted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply, "run_codemods", lambda source, fixes, filename="": ("def (:\n", list(fixes)))
    outcome = fix_source(SOURCE, findings(), findings, unsafe=True)
    assert outcome.source == SOURCE and not outcome.applied
    assert outcome.error is not None and "syntax error" in outcome.error


def test_fixes_that_never_settle_are_reverted(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def grow(source: str, fixes: list[Fix], filename: str = "") -> tuple[str, list[Fix]]:
        calls.append(1)
        return source + "# more\n", list(fixes)

    monkeypatch.setattr(apply, "run_codemods", grow)
    outcome = fix_source(SOURCE, findings(), lambda text: findings(), unsafe=True)
    assert len(calls) == MAX_PASSES
    assert outcome.source == SOURCE and "did not converge" in (outcome.error or "")


def test_unsafe_fixes_need_opt_in() -> None:
    outcome = fix_source(SOURCE, findings(), findings, unsafe=False)
    assert outcome.source == SOURCE and outcome.error is None and not outcome.applied


def test_several_fixes_in_one_file_converge() -> None:
    text = "import time\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n\nasync def g():\n    [time.sleep(i) for i in range(2)]\n"
    outcome = fix_source(text, findings(text), findings, unsafe=True)
    assert outcome.error is None and len(outcome.applied) == 3
    assert outcome.source.count("await asyncio.sleep") == 3 and "import time" not in outcome.source


def test_outer_fix_wins_over_nested() -> None:
    def finding(span: Span) -> Finding:
        fix = Fix("replace_blocking_call", span, "t", Applicability.SAFE)
        return Finding("DBK101", "x", "m", "p.py", span, fix=fix)

    outer, inner, later = finding(Span(1, 0, 3, 0)), finding(Span(2, 4, 2, 9)), finding(Span(4, 0, 4, 5))
    assert non_overlapping([inner, later, outer]) == [outer, later]


def test_edits_describe_the_fix() -> None:
    fix = findings()[0].fix
    assert fix is not None
    edits = edits_for(SOURCE, fix)
    fixed = SOURCE.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: e.span, reverse=True):
        fixed[edit.span.line - 1 : edit.span.end_line - 1] = [edit.content]
    assert "".join(fixed) == "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"
