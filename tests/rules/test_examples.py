"""Every rule's `valid`/`invalid` examples and its docstring example, as test cases.

Invariants checked for every rule (style.md §7.4): valid cases are silent; invalid
cases fire (on `line`, with `message`); the fixes give exactly `fixed`, and a fix
offered where the case declares none is a failure; fixed code parses and the rule
no longer fires on it; the docs' example fires and its "Use instead" does not.
"""

from __future__ import annotations

import ast
import re

import pytest

from deblock.rules import Invalid, Rule, Valid, all_rules
from deblock.testing import example_settings, fix_example, run_example


def _cases(kind: str) -> list:
    params = []
    for rule in all_rules():
        for index, case in enumerate(getattr(rule, kind)):
            params.append(pytest.param(rule, case, id=f"{rule.code}-{kind}-{index}"))
    return params


@pytest.mark.parametrize(("rule", "case"), _cases("valid"))
def test_valid_is_silent(rule: type[Rule], case: str | Valid) -> None:
    case = case if isinstance(case, Valid) else Valid(case)
    findings = run_example(case.code, example_settings(rule.code, case.config))
    assert findings == []


@pytest.mark.parametrize(("rule", "case"), _cases("invalid"))
def test_invalid_fires(rule: type[Rule], case: str | Invalid) -> None:
    case = case if isinstance(case, Invalid) else Invalid(case)
    settings = example_settings(rule.code, case.config)
    findings = run_example(case.code, settings)
    assert findings, "expected at least one finding"
    assert {f.code for f in findings} == {rule.code}
    if case.line is not None:
        assert case.line in {f.span.line for f in findings}
    if case.message is not None:
        assert any(case.message in f.message for f in findings), [f.message for f in findings]

    outcome = fix_example(case.code, settings)
    assert outcome.error is None, outcome.error
    if case.fixed is None:
        assert not outcome.applied, "the rule offered a fix the example does not declare"
        return
    assert outcome.source == case.fixed
    ast.parse(outcome.source)
    assert [f for f in run_example(outcome.source, settings) if f.fix is not None] == [], "fix did not converge"


_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _doc_examples(rule: type[Rule]) -> tuple[str, str | None]:
    docs = rule.docs()
    example = docs.split("## Example", 1)[1].split("\n## ", 1)[0]
    before, _, after = example.partition("Use instead:")
    bad = _BLOCK.findall(before)
    good = _BLOCK.findall(after)
    return bad[0], good[0] if good else None


@pytest.mark.parametrize(
    "rule", [pytest.param(r, id=r.code) for r in all_rules() if not r.emitted_by_engine]
)
def test_docstring_example(rule: type[Rule]) -> None:
    bad, good = _doc_examples(rule)
    # A rule that is silent without configuration (DBK100) names the config its docs assume.
    settings = example_settings(rule.code, rule.example_config)
    assert run_example(bad, settings), "the docs' example does not trigger the rule"
    assert good is not None, "the docs need a 'Use instead:' block"
    assert run_example(good, settings) == [], "the docs' 'Use instead' block triggers the rule"
