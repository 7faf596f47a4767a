"""Builtins that evaluate a QuerySet become their async forms, keeping the result type."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span

PREFIX = "async def v(qs):\n    x = "


@pytest.mark.parametrize(
    ("call", "builtin", "expected"),
    [
        pytest.param("list(qs.filter(a=1))", "list", "[row async for row in qs.filter(a=1)]", id="list"),
        pytest.param("tuple(qs)", "tuple", "tuple([row async for row in qs])", id="tuple"),
        pytest.param("set(qs)", "set", "{row async for row in qs}", id="set"),
        pytest.param("sorted(qs, key=k)", "sorted", "sorted([row async for row in qs], key=k)", id="sorted"),
        pytest.param("len(qs)", "len", "await qs.acount()", id="len"),
        pytest.param("bool(qs)", "bool", "await qs.aexists()", id="bool"),
    ],
)
def test_queryset_builtin_to_async(call: str, builtin: str, expected: str) -> None:
    source = PREFIX + call + "\n"
    fix = Fix("queryset_builtin_to_async", Span(2, 8, 2, 8 + len(call)), builtin, Applicability.SAFE,
              (("builtin", builtin),))
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == PREFIX + expected + "\n"
    ast.parse(fixed)


def test_fresh_name_avoids_collisions() -> None:
    source = "async def v(qs, row):\n    return list(qs)\n"
    fix = Fix("queryset_builtin_to_async", Span(2, 11, 2, 19), "list", Applicability.SAFE, (("builtin", "list"),))
    fixed, _ = run_codemods(source, [fix])
    assert fixed == "async def v(qs, row):\n    return [row2 async for row2 in qs]\n"
