"""The Django `a`-twin codemod and the `async for` codemod."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


def apply(source: str, fix: Fix) -> str:
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    ast.parse(fixed)
    return fixed


def twin(span: Span, method: str) -> Fix:
    return Fix("django_async_twin", span, "twin", Applicability.UNSAFE, (("method", method),))


@pytest.mark.parametrize(
    ("source", "fix", "expected"),
    [
        pytest.param(
            "async def f():\n    return Book.objects.filter(x=1).first()\n", twin(Span(2, 11, 2, 43), "afirst"),
            "async def f():\n    return await Book.objects.filter(x=1).afirst()\n", id="chain",
        ),
        pytest.param(
            "async def f(b):\n    b.save(\n        update_fields=['t'],  # keep\n    )\n", twin(Span(2, 4, 4, 5), "asave"),
            "async def f(b):\n    await b.asave(\n        update_fields=['t'],  # keep\n    )\n", id="keeps-arguments",
        ),
        pytest.param(
            "async def f():\n    return Book.objects.get(pk=1).title\n", twin(Span(2, 11, 2, 33), "aget"),
            "async def f():\n    return (await Book.objects.aget(pk=1)).title\n", id="primary-parenthesised",
        ),
    ],
)
def test_django_async_twin(source: str, fix: Fix, expected: str) -> None:
    assert apply(source, fix) == expected


def test_async_for_queryset_loop() -> None:
    source = "async def f():\n    for b in Book.objects.all():\n        print(b)\n"
    fix = Fix("async_for_queryset", Span(2, 13, 2, 31), "async for", Applicability.UNSAFE)
    assert apply(source, fix) == "async def f():\n    async for b in Book.objects.all():\n        print(b)\n"


def test_async_for_queryset_comprehension_but_not_generator() -> None:
    source = "async def f(qs):\n    return [b for b in qs], sum(1 for c in qs)\n"
    fix = Fix("async_for_queryset", Span(2, 23, 2, 25), "async for", Applicability.UNSAFE)
    assert apply(source, fix) == "async def f(qs):\n    return [b async for b in qs], sum(1 for c in qs)\n"


def test_django_async_twin_function_imports_the_twin() -> None:
    source = "from django.shortcuts import get_object_or_404\n\nasync def f(pk):\n    return get_object_or_404(Book, pk=pk)\n"
    fix = Fix("django_async_twin", Span(4, 11, 4, 40), "twin", Applicability.UNSAFE,
              (("method", "aget_object_or_404"), ("module", "django.shortcuts")))
    assert apply(source, fix) == (
        "from django.shortcuts import aget_object_or_404\n\nasync def f(pk):\n    return await aget_object_or_404(Book, pk=pk)\n"
    )
