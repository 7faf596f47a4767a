"""`f(x)` -> `await f(x)`, parenthesised where the call is a primary."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


@pytest.mark.parametrize(
    ("source", "span", "expected"),
    [
        pytest.param("async def g():\n    return f(1)\n", Span(2, 11, 2, 15),
                     "async def g():\n    return await f(1)\n", id="return"),
        pytest.param("async def g(self):\n    self.m(a, b=2)  # why\n", Span(2, 4, 2, 18),
                     "async def g(self):\n    await self.m(a, b=2)  # why\n", id="method-comment-kept"),
        pytest.param("async def g():\n    return f().x\n", Span(2, 11, 2, 14),
                     "async def g():\n    return (await f()).x\n", id="attribute-primary"),
        pytest.param("async def g():\n    return f()[0]\n", Span(2, 11, 2, 14),
                     "async def g():\n    return (await f())[0]\n", id="subscript-primary"),
        pytest.param("async def g():\n    if f() is None:\n        pass\n", Span(2, 7, 2, 10),
                     "async def g():\n    if await f() is None:\n        pass\n", id="comparison"),
    ],
)
def test_insert_await(source: str, span: Span, expected: str) -> None:
    fix = Fix("insert_await", span, "await", Applicability.SAFE)
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == expected
    ast.parse(fixed)
