"""`def f():` -> `async def f():` at the span the facts give (the `def` line, decorators kept)."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


@pytest.mark.parametrize(
    ("source", "span", "expected"),
    [
        pytest.param("def f(x):\n    return x\n", Span(1, 0, 2, 12), "async def f(x):\n    return x\n", id="plain"),
        pytest.param("@deco\ndef f(x):  # keep\n    return x\n", Span(2, 0, 3, 12),
                     "@deco\nasync def f(x):  # keep\n    return x\n", id="decorated-def-line-span"),
        pytest.param("class C:\n    def m(self):\n        pass\n\n    def n(self):\n        pass\n", Span(5, 4, 6, 12),
                     "class C:\n    def m(self):\n        pass\n\n    async def n(self):\n        pass\n", id="method"),
    ],
)
def test_def_to_async_def(source: str, span: Span, expected: str) -> None:
    fix = Fix("def_to_async_def", span, "async def", Applicability.SAFE)
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == expected
    ast.parse(fixed)


def test_already_async_is_left_alone() -> None:
    source = "async def f():\n    pass\n"
    fix = Fix("def_to_async_def", Span(1, 0, 2, 8), "async def", Applicability.SAFE)
    assert run_codemods(source, [fix]) == (source, [])
