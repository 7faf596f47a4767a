"""The async def -> def codemod (DBK131)."""

from __future__ import annotations

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


def fix_at(span: Span) -> Fix:
    return Fix("async_def_to_def", span, "sync", Applicability.UNSAFE)


def test_removes_async_from_the_function_at_the_span_only() -> None:
    source = "@app.get('/')\nasync def index():\n    return 1\n\n\nasync def other():\n    return 2\n"
    fix = fix_at(Span(2, 0, 3, 12))
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == "@app.get('/')\ndef index():\n    return 1\n\n\nasync def other():\n    return 2\n"


def test_method() -> None:
    source = "class V:\n    async def get(self):  # route\n        return 1\n"
    fix = fix_at(Span(2, 4, 3, 16))
    fixed, _ = run_codemods(source, [fix])
    assert fixed == "class V:\n    def get(self):  # route\n        return 1\n"


def test_sync_function_untouched() -> None:
    source = "def index():\n    return 1\n"
    assert run_codemods(source, [fix_at(Span(1, 0, 2, 12))]) == (source, [])
