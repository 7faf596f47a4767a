"""A sync caller that stays sync calls a coroutine function through an event loop."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


@pytest.mark.parametrize(
    ("source", "span", "library", "expected"),
    [
        pytest.param("def handle():\n    return svc.titles(1)\n", Span(2, 11, 2, 24), "asgiref",
                     "from asgiref.sync import async_to_sync\n\ndef handle():\n    return async_to_sync(svc.titles)(1)\n",
                     id="asgiref"),
        pytest.param("def main():\n    print(run(1).x)\n", Span(2, 10, 2, 16), "asyncio",
                     "import asyncio\n\ndef main():\n    print(asyncio.run(run(1)).x)\n", id="asyncio-run"),
    ],
)
def test_wrap_async_to_sync(source: str, span: Span, library: str, expected: str) -> None:
    fix = Fix("wrap_async_to_sync", span, "bridge", Applicability.SAFE, (("library", library),))
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == expected
    ast.parse(fixed)
