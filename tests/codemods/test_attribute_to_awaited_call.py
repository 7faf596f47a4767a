"""`request.user` -> `await request.auser()`, parenthesised where it is a primary."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


@pytest.mark.parametrize(
    ("source", "span", "expected"),
    [
        pytest.param("async def v(request):\n    u = request.user\n", Span(2, 8, 2, 20),
                     "async def v(request):\n    u = await request.auser()\n", id="plain"),
        pytest.param("async def v(request):\n    return request.user.is_staff\n", Span(2, 11, 2, 23),
                     "async def v(request):\n    return (await request.auser()).is_staff\n", id="primary"),
        pytest.param("async def v(request):\n    f(request.user)  # who\n", Span(2, 6, 2, 18),
                     "async def v(request):\n    f(await request.auser())  # who\n", id="argument-comment-kept"),
    ],
)
def test_attribute_to_awaited_call(source: str, span: Span, expected: str) -> None:
    fix = Fix("attribute_to_awaited_call", span, "auser", Applicability.UNSAFE, (("method", "auser"),))
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == expected
    ast.parse(fixed)
